/// Where the console reads the ADS server's per-node status (`GET /api/v1/xds/nodes`): the xDS
/// server of this process when `xds.enabled`. The console gets nil otherwise, and answers 503.
public protocol XDSStatusSource: Sendable {
    func xdsNodes() async -> XDSNodeList
}

/// The nodes' status as the server module encodes it (connected ones first; node id, roles, mode,
/// peer, acked and sent versions per type URL, the last rejection), so the console shows it
/// without depending on that module. Encoded with the console's encoder (its date format).
public struct XDSNodeList: Sendable, Encodable {
    public let count: Int
    private let encodeNodes: @Sendable (any Encoder) throws -> Void

    public init<Node: Encodable & Sendable>(_ nodes: [Node]) {
        count = nodes.count
        encodeNodes = { try nodes.encode(to: $0) }
    }

    public func encode(to encoder: any Encoder) throws {
        try encodeNodes(encoder)
    }
}
