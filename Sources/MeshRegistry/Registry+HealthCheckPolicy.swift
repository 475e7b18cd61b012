public import MeshModel

extension Registry {
    /// What health checks a registration may ask for. A check is a request the registry makes on
    /// a caller's behalf, so the caller must not choose a rate that makes the registry a load
    /// generator, nor a target the operator has fenced off (cloud metadata, the host's own
    /// services): together with coarse check output this keeps the registry from being an SSRF
    /// probe.
    public struct HealthCheckPolicy: Sendable, Hashable {
        /// The shortest `check.interval` accepted.
        public var minimumInterval: Duration
        /// The shortest `check.timeout` accepted.
        public var minimumTimeout: Duration
        /// The shortest `check.ttl` accepted.
        public var minimumTTL: Duration
        /// Addresses an HTTP or TCP check may not target (`registry.healthCheck.denyCIDRs`).
        public var denyCIDRs: [IPBlock]

        public init(
            minimumInterval: Duration = .seconds(1), minimumTimeout: Duration = .milliseconds(100),
            minimumTTL: Duration = .seconds(1), denyCIDRs: [IPBlock] = []
        ) {
            self.minimumInterval = minimumInterval
            self.minimumTimeout = minimumTimeout
            self.minimumTTL = minimumTTL
            self.denyCIDRs = denyCIDRs
        }
    }
}
