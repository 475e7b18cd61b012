/// `spec` of a `PeerAuthentication`: whether workloads accept plain text or require mutual TLS.
public struct PeerAuthenticationSpec: Sendable, Hashable, Codable {
    /// Workloads it applies to; absent means every workload of the namespace (or mesh, in the root namespace).
    public var selector: WorkloadSelector?
    public var mtls: MutualTLS?
    /// Per-port overrides keyed by port number (`"8080"`); needs a `selector`.
    public var portLevelMtls: [String: MutualTLS]

    public init(selector: WorkloadSelector? = nil, mtls: MutualTLS? = nil, portLevelMtls: [String: MutualTLS] = [:]) {
        self.selector = selector
        self.mtls = mtls
        self.portLevelMtls = portLevelMtls
    }

    public struct MutualTLS: Sendable, Hashable, Codable {
        public var mode: Mode?

        public init(mode: Mode? = nil) {
            self.mode = mode
        }
    }

    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
        /// Inherit from the parent scope (namespace, then mesh).
        case unset = "UNSET"
        case disable = "DISABLE"
        case permissive = "PERMISSIVE"
        case strict = "STRICT"
    }
}
