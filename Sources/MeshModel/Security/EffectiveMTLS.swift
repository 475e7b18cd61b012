/// The mutual-TLS mode in force for one workload port, and which policy set it.
public struct EffectiveMTLS: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Only mutual TLS; plain text is refused.
        case strict = "STRICT"
        /// Mutual TLS and plain text both accepted.
        case permissive = "PERMISSIVE"
        /// Plain text only; TLS bytes pass through unterminated.
        case disable = "DISABLE"
    }

    public var mode: Mode
    /// The deciding policy and level (`PeerAuthentication default/db port 5432`), or `default`.
    public var source: String
    /// The deciding policy; nil for the default.
    public var policy: ResourceKey?

    public init(mode: Mode, source: String, policy: ResourceKey? = nil) {
        self.mode = mode
        self.source = source
        self.policy = policy
    }

    public static let `default` = EffectiveMTLS(mode: .permissive, source: "default")

    public var description: String { "\(mode.rawValue) (\(source))" }
}
