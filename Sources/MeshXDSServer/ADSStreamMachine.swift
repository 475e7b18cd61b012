import MeshXDSProto

/// One ADS variant's per-stream protocol state: what to answer a request, and what to push when
/// the node's resources change. Pure; the service runs it.
protocol ADSStreamMachine {
    associatedtype Request: Sendable
    associatedtype Response: Sendable

    static var mode: XDSNodeStatus.Mode { get }
    /// The node a request names (only the first request of a stream must).
    static func node(of request: Request) -> Envoy_Config_Core_V3_Node?
    static func typeURL(of request: Request) -> String

    init()
    mutating func receive(_ request: Request, resources: XDSServedResources) -> ADSReaction<Response>
    mutating func update(resources: XDSServedResources) -> ADSReaction<Response>
    /// At most how many resource names the stream would hold subscribed, over all types, after
    /// `request`: the server refuses a request that would pass its limit before taking it.
    func subscribedNames(after request: Request) -> Int
}

extension SotWStreamMachine: ADSStreamMachine {
    static var mode: XDSNodeStatus.Mode { .stateOfTheWorld }
    static func typeURL(of request: Request) -> String { request.typeURL }
    static func node(of request: Request) -> Envoy_Config_Core_V3_Node? { request.hasNode ? request.node : nil }

    /// A request replaces its type's names.
    func subscribedNames(after request: Request) -> Int {
        types.reduce(0) { $0 + ($1.key == request.typeURL ? 0 : $1.value.names.count) } + request.resourceNames.count
    }
}

extension DeltaStreamMachine: ADSStreamMachine {
    static var mode: XDSNodeStatus.Mode { .delta }
    static func typeURL(of request: Request) -> String { request.typeURL }
    static func node(of request: Request) -> Envoy_Config_Core_V3_Node? { request.hasNode ? request.node : nil }

    /// A request adds to its type's names (what it unsubscribes is not counted off: an upper bound).
    func subscribedNames(after request: Request) -> Int {
        types.values.reduce(0) { $0 + $1.subscribed.count } + request.resourceNamesSubscribe.count
    }
}
