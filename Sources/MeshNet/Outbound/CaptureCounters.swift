import Metrics

/// Connections the node proxy's original-destination listener took, per event loop: handed to
/// a VIP listener (by its name) or closed for want of one. Exported as
/// `meshbox_proxy_captured_connections_total{outcome="routed"|"unmatched"}`; the per-listener
/// totals (whose names carry VIPs, too many for labels) are `DataPlane.capturedConnections()`.
final class CaptureCounters {
    private(set) var byListener: [String: Int] = [:]
    private(set) var unmatchedCount = 0
    private let routedCounter: Counter
    private let unmatchedCounter: Counter

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        let label = "meshbox_proxy_captured_connections_total"
        routedCounter = Counter(label: label, dimensions: [("outcome", "routed")], factory: factory)
        unmatchedCounter = Counter(label: label, dimensions: [("outcome", "unmatched")], factory: factory)
    }

    func routed(listener: String) {
        byListener[listener, default: 0] += 1
        routedCounter.increment()
    }

    func unmatched() {
        unmatchedCount += 1
        unmatchedCounter.increment()
    }
}
