public import Foundation

/// When to renew a certificate: at half its lifetime, moved by up to ±`jitter` of that point so
/// a fleet issued together does not renew together; at once when that moment has passed.
///
/// Pure: the random draw comes in as a value in `0..<1`, so callers inject the source.
public struct RenewalSchedule: Sendable, Hashable {
    public enum Decision: Sendable, Hashable {
        case renewNow
        case renew(at: Date)
    }

    /// Fraction of the half-lifetime the renewal moment may move either way (default 0.1).
    public var jitter: Double

    public init(jitter: Double = 0.1) {
        self.jitter = max(0, min(jitter, 0.9))
    }

    /// The renewal moment for a draw `unitRandom` in `0..<1` (0.5 = exactly half-life).
    public func renewalDate(notBefore: Date, notAfter: Date, unitRandom: Double) -> Date {
        let lifetime = max(0, notAfter.timeIntervalSince(notBefore))
        let draw = max(0, min(unitRandom, 1))
        let factor = 1 + jitter * (2 * draw - 1)
        return notBefore.addingTimeInterval(lifetime / 2 * factor)
    }

    public func decide(notBefore: Date, notAfter: Date, now: Date, unitRandom: Double) -> Decision {
        let date = renewalDate(notBefore: notBefore, notAfter: notAfter, unitRandom: unitRandom)
        return now >= date ? .renewNow : .renew(at: date)
    }
}
