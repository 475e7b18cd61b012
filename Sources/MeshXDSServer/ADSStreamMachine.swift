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
}

extension SotWStreamMachine: ADSStreamMachine {
    static var mode: XDSNodeStatus.Mode { .stateOfTheWorld }
    static func typeURL(of request: Request) -> String { request.typeURL }
    static func node(of request: Request) -> Envoy_Config_Core_V3_Node? { request.hasNode ? request.node : nil }
}

extension DeltaStreamMachine: ADSStreamMachine {
    static var mode: XDSNodeStatus.Mode { .delta }
    static func typeURL(of request: Request) -> String { request.typeURL }
    static func node(of request: Request) -> Envoy_Config_Core_V3_Node? { request.hasNode ? request.node : nil }
}
