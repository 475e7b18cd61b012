/// Exponential back-off with full jitter: the n-th wait is a random duration up to
/// `initial * 2^n`, capped at `maximum` (0.5 s doubling to 30 s by default), so nodes that lost
/// the control plane together do not return together.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The ceiling of the `attempt`-th wait (0-based): `initial * 2^attempt`, at most `maximum`.
    public func ceiling(attempt: Int) -> Duration {
        var ceiling = initial
        for _ in 0..<min(attempt, 40) {
            ceiling *= 2
            if ceiling >= maximum { return maximum }
        }
        return min(ceiling, maximum)
    }

    /// The `attempt`-th wait: between half the ceiling and the ceiling, at random.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(attempt: attempt)
        let half = ceiling / 2
        let nanoseconds = Int64(clamping: (half.components.seconds * 1_000_000_000) + half.components.attoseconds / 1_000_000_000)
        return half + .nanoseconds(Int64.random(in: 0...max(nanoseconds, 0), using: &generator))
    }

    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}
