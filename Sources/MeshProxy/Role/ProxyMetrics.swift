import Metrics

/// The proxy role's capture metrics.
///
/// - `meshbox_proxy_capture_reconcile_duration_seconds{backend}` (timer): one capture pass.
/// - `meshbox_proxy_capture_reconciles_total{backend, result}` (counter), result `ok` or `error`.
/// - `meshbox_proxy_capture_repairs_total{backend}` (counter): passes that found the rules
///   flushed by someone else and put them back.
/// - `meshbox_proxy_capture_rules{family}` (gauge): meshbox rules (iptables) or captured
///   `VIP . port` elements (nftables) in the table.
/// - `meshbox_proxy_vips` (gauge): service VIPs in the config store, every family.
struct ProxyMetrics: Sendable {
    private let duration: Metrics.Timer
    private let succeeded: Counter
    private let failed: Counter
    private let repairs: Counter
    private let vips = Gauge(label: "meshbox_proxy_vips")

    init(backend: String) {
        duration = Metrics.Timer(
            label: "meshbox_proxy_capture_reconcile_duration_seconds", dimensions: [("backend", backend)])
        succeeded = Counter(
            label: "meshbox_proxy_capture_reconciles_total", dimensions: [("backend", backend), ("result", "ok")])
        failed = Counter(
            label: "meshbox_proxy_capture_reconciles_total", dimensions: [("backend", backend), ("result", "error")])
        repairs = Counter(label: "meshbox_proxy_capture_repairs_total", dimensions: [("backend", backend)])
    }

    func recordPass(_ pass: CapturePass) {
        succeeded.increment()
        duration.recordNanoseconds(Self.nanoseconds(pass.duration))
        if pass.repaired { repairs.increment() }
        for family in pass.families {
            Gauge(label: "meshbox_proxy_capture_rules", dimensions: [("family", family.family.rawValue)])
                .record(Double(family.rules))
        }
    }

    func recordFailure(after elapsed: Duration) {
        failed.increment()
        duration.recordNanoseconds(Self.nanoseconds(elapsed))
    }

    func recordVIPs(_ count: Int) {
        vips.record(Double(count))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
