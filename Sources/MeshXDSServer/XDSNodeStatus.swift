public import Foundation
public import MeshModel

/// One xDS client as the server sees it: who it is, whether it is connected, what it has
/// accepted per type, and the last config it rejected. What the console's Nodes page and the
/// admin API show.
public struct XDSNodeStatus: Sendable, Hashable, Codable {
    /// Which ADS variant the client speaks.
    public enum Mode: String, Sendable, Hashable, Codable {
        case stateOfTheWorld = "sotw"
        case delta
    }

    /// A response the client rejected (NACK): it stays on its previous config of that type.
    public struct Rejection: Sendable, Hashable, Codable {
        public var typeURL: String
        /// The version rejected (SotW `version_info`, delta `system_version_info`).
        public var version: String
        /// The client's reason (`error_detail.message`).
        public var message: String
        public var time: Date
    }

    /// Unique per stream in this server process.
    public var streamID: UInt64
    public var nodeID: String
    public var roles: [DataPlaneRole]
    public var labels: [String: String]
    public var mode: Mode
    /// The client's address, as the transport reports it (`ipv4:127.0.0.1:53512`).
    public var peer: String
    public var connected: Bool
    public var connectedAt: Date
    public var disconnectedAt: Date?
    /// Type URL → the version the client acknowledged last.
    public var ackedVersions: [String: String]
    /// Type URL → the version sent last (acknowledged or not yet).
    public var sentVersions: [String: String]
    /// Responses sent on this stream.
    public var pushes: Int
    /// Responses rejected on this stream.
    public var rejections: Int
    public var lastRejection: Rejection?

    /// Whether every type sent has been acknowledged at the version sent.
    public var isInSync: Bool { sentVersions == ackedVersions }
}
