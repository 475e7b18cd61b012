public import MeshModel

/// The faults to inject into one request (Envoy's fault filter): a value the engine acts on,
/// delaying first and then aborting, as Envoy does.
public struct FaultDecision: Sendable, Hashable {
    /// Hold the request this long before going on.
    public var delay: Duration?
    /// Answer with this status instead of forwarding.
    public var abortStatus: Int?

    public init(delay: Duration? = nil, abortStatus: Int? = nil) {
        self.delay = delay
        self.abortStatus = abortStatus
    }

    /// No fault.
    public static let noFault = FaultDecision()

    public var isNone: Bool { delay == nil && abortStatus == nil }
}

extension Snapshot.FaultInjection {
    /// Draws the faults for one request; the delay and the abort are sampled independently, each
    /// with its own percentage.
    public func decide<G: RandomNumberGenerator>(using generator: inout G) -> FaultDecision {
        var decision = FaultDecision()
        if let delay, Percentage.sample(delay.percentage, using: &generator) {
            decision.delay = delay.duration
        }
        if let abort, Percentage.sample(abort.percentage, using: &generator) {
            decision.abortStatus = Int(abort.httpStatus)
        }
        return decision
    }
}
