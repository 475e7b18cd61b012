public import MeshAPI

/// The threshold state machine of one active (HTTP/TCP) check.
///
/// From `unknown` the first result decides at once (Envoy and Consul do the same: a new
/// instance should not wait `healthyThreshold` intervals for its first traffic). After that,
/// `healthyThreshold` consecutive successes turn `critical` into `passing` and
/// `unhealthyThreshold` consecutive failures turn `passing` into `critical`.
public struct HealthTracker: Sendable, Hashable {
    public private(set) var state: HealthState = .unknown
    public let healthyThreshold: Int
    public let unhealthyThreshold: Int
    private var successes = 0
    private var failures = 0

    public init(healthyThreshold: Int = 1, unhealthyThreshold: Int = 1) {
        self.healthyThreshold = max(1, healthyThreshold)
        self.unhealthyThreshold = max(1, unhealthyThreshold)
    }

    /// Records one check result; returns the new state when it changed.
    public mutating func record(success: Bool) -> HealthState? {
        if success {
            successes += 1
            failures = 0
        } else {
            failures += 1
            successes = 0
        }
        let next: HealthState
        switch state {
        case .unknown: next = success ? .passing : .critical
        case .passing: next = failures >= unhealthyThreshold ? .critical : .passing
        case .critical: next = successes >= healthyThreshold ? .passing : .critical
        }
        guard next != state else { return nil }
        state = next
        return next
    }
}
