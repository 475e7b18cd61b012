import Foundation

extension Registry {
    /// How a registry behaves; defaults suit one host.
    public struct Options: Sendable {
        /// Node of an instance registered without one (default: this host's name).
        public var nodeName: String
        /// Clock for check intervals, TTLs and `deregisterAfter` (tests may inject their own).
        public var clock: any Clock<Duration>
        /// Watchers get a new state at most this often (changes in between arrive together);
        /// `.zero` publishes every change.
        public var publishInterval: Duration
        /// Limits on the health checks registrations ask for.
        public var healthChecks: HealthCheckPolicy

        public init(
            nodeName: String? = nil, clock: any Clock<Duration> = ContinuousClock(),
            publishInterval: Duration = .milliseconds(20), healthChecks: HealthCheckPolicy = .init()
        ) {
            self.nodeName = nodeName ?? ProcessInfo.processInfo.hostName
            self.clock = clock
            self.publishInterval = publishInterval
            self.healthChecks = healthChecks
        }
    }
}
