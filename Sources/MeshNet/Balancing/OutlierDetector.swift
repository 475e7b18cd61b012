public import MeshModel
public import NIOCore

/// Passive health checking of one cluster's endpoints on one event loop, as Envoy's outlier detection
/// (consecutive 5xx and consecutive gateway errors) with Istio's defaults.
///
/// An endpoint that fails `consecutive5xx` times in a row (or `consecutiveGatewayErrors` times with
/// gateway errors) is ejected for `baseEjectionTime` × the number of times it was ejected, capped at
/// max(`baseEjectionTime`, 300 s); that count drops by one for each interval the endpoint spends back in
/// service. At most `maxEjectionPercent` of the endpoints are out at once, except that one may always be.
///
/// Time is passed in as `NIODeadline`s, so tests drive it without sleeping. Not Sendable: each event loop
/// keeps its own, as each Envoy worker keeps its own view of request outcomes.
public final class OutlierDetector {
    /// Envoy's `max_ejection_time` default.
    public static let defaultMaxEjectionTime: TimeAmount = .seconds(300)

    /// Failures in a row before ejection; nil when that detector is off (configured as 0).
    public let consecutive5xx: UInt32?
    public let consecutiveGatewayErrors: UInt32?
    /// How often the engine should call `sweep(now:)`.
    public let interval: TimeAmount
    public let baseEjectionTime: TimeAmount
    public let maxEjectionTime: TimeAmount
    public let maxEjectionPercent: UInt32
    /// Below this share of endpoints in service, ejections are ignored (Istio's `minHealthPercent`).
    public let minHealthPercent: UInt32

    /// Called with an endpoint key and true when it is ejected, false when it returns; for logs and metrics.
    /// Not called for endpoints dropped by `retain(keys:)`.
    public var onEjection: ((String, Bool) -> Void)?

    /// Endpoints ejected now, counting ejections that expired but were not yet noticed.
    @exclusivity(unchecked) public internal(set) var ejectedCount = 0

    struct Host {
        var consecutive5xx: UInt32 = 0
        var consecutiveGatewayErrors: UInt32 = 0
        /// When the current ejection ends; nil while in service.
        var ejectedUntil: NIODeadline?
        /// When the last ejection ended, for the multiplier's decay.
        var returnedAt: NIODeadline?
        /// Ejections not yet forgiven: the next ejection lasts this many base times plus one.
        var multiplier: UInt32 = 0

        var isFailing: Bool { consecutive5xx > 0 || consecutiveGatewayErrors > 0 }
    }

    // Hot-path state opts out of run-time exclusivity checks (one event loop owns the detector, and no
    // access spans the `onEjection` call), which would otherwise cost more than the work itself.
    @exclusivity(unchecked) var hosts: [String: Host] = [:]
    /// Hosts with a failure streak: while none has one, a success costs no dictionary lookup.
    @exclusivity(unchecked) var failingCount = 0
    /// The earliest `ejectedUntil` of any ejected host, so expiry checks cost nothing until then.
    @exclusivity(unchecked) var nextExpiry: NIODeadline = .distantFuture
    /// The cluster size last told (by `retain(keys:)` or `panicking(total:now:)`).
    var clusterSize = 0
    /// When `sweep` next forgives multipliers; set on the first sweep.
    var nextDecay: NIODeadline?
    let maxMultiplier: UInt32

    public init(_ config: Snapshot.OutlierDetection) {
        consecutive5xx = Self.threshold(config.consecutive5xx, default: 5)
        consecutiveGatewayErrors = Self.threshold(config.consecutiveGatewayErrors, default: 0)
        interval = Self.positive(config.interval, default: .seconds(10))
        baseEjectionTime = Self.positive(config.baseEjectionTime, default: .seconds(30))
        maxEjectionTime = max(baseEjectionTime, Self.defaultMaxEjectionTime)
        maxEjectionPercent = min(config.maxEjectionPercent ?? 10, 100)
        minHealthPercent = min(config.minHealthPercent ?? 0, 100)
        // Once base × multiplier reaches the cap, growing it further would only slow the decay.
        let steps = (maxEjectionTime.nanoseconds + baseEjectionTime.nanoseconds - 1) / baseEjectionTime.nanoseconds
        maxMultiplier = UInt32(clamping: max(1, steps))
    }

    // MARK: Hot path

    /// Counts one attempt's outcome against `key`; may eject it at once.
    public func record(_ outcome: UpstreamOutcome, for key: String, now: NIODeadline) {
        guard outcome.is5xx else {
            guard failingCount > 0, let index = hosts.index(forKey: key), hosts.values[index].isFailing else { return }
            hosts.values[index].consecutive5xx = 0
            hosts.values[index].consecutiveGatewayErrors = 0
            failingCount -= 1
            return
        }
        var index = hosts.index(forKey: key) ?? insert(key)
        if hosts.values[index].ejectedUntil != nil {
            // Late answers from an ejected host count for nothing: it returns with a clean slate.
            guard expire(key, now: now) else { return }
            index = hosts.index(forKey: key)!
        }
        if !hosts.values[index].isFailing { failingCount += 1 }
        hosts.values[index].consecutive5xx &+= 1
        // As Envoy: a 5xx that is not a gateway error breaks a gateway-error streak.
        if outcome.isGatewayError {
            hosts.values[index].consecutiveGatewayErrors &+= 1
        } else {
            hosts.values[index].consecutiveGatewayErrors = 0
        }
        let host = hosts.values[index]
        let tripped =
            consecutive5xx.map { host.consecutive5xx >= $0 } == true
            || consecutiveGatewayErrors.map { host.consecutiveGatewayErrors >= $0 } == true
        // Envoy fires once when a streak reaches the threshold; `>=` tries again on the next failure when
        // the ejection cap refused, so the host goes as soon as another returns.
        if tripped { eject(key, now: now) }
    }

    /// Whether `key` is ejected at `now`; an ejection that has run out ends here. O(1), and free while
    /// nothing is ejected.
    @inline(__always)
    public func isEjected(_ key: String, now: NIODeadline) -> Bool {
        guard ejectedCount > 0 else { return false }
        guard let index = hosts.index(forKey: key), let until = hosts.values[index].ejectedUntil else { return false }
        if now < until { return true }
        return !expire(key, now: now)
    }

    /// Istio's `minHealthPercent`: true when fewer than that share of the `total` endpoints are in service,
    /// and the engine should then ignore ejections. Also tells the detector the cluster's size, the base of
    /// `maxEjectionPercent`.
    public func panicking(total: Int, now: NIODeadline) -> Bool {
        clusterSize = total
        guard ejectedCount > 0, minHealthPercent > 0, total > 0 else { return false }
        expireDue(now: now)
        return (total - min(ejectedCount, total)) * 100 < Int(minHealthPercent) * total
    }
}
