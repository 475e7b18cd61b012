import MeshModel
import Metrics

/// The config role's metrics, created once so a write does not look them up in the factory.
///
/// - `meshbox_config_revision` (gauge): the global revision.
/// - `meshbox_config_resources{kind}` (gauge): stored resources per kind.
/// - `meshbox_config_writes_total{operation, result}` (counter): writes by outcome.
/// - `meshbox_config_write_duration_seconds{operation}` (timer).
struct ConfigStoreMetrics: Sendable {
    enum Operation: String, Sendable, CaseIterable {
        case apply, delete, rollback
        case rollbackAll = "rollback_all"
    }

    /// Bounded set of results: `changed` wrote a revision, `unchanged` had nothing to write,
    /// `dry_run` wrote nothing on purpose, `rejected` was the caller's mistake (validation,
    /// not found, invalid argument), `failed` was ours (I/O).
    enum Result: String, Sendable, CaseIterable {
        case changed, unchanged
        case dryRun = "dry_run"
        case rejected, failed
    }

    private let revisionGauge: Gauge
    private let resourceGauges: [ResourceKind: Gauge]
    private let writes: [String: Counter]
    private let durations: [Operation: Metrics.Timer]

    init() {
        revisionGauge = Gauge(label: "meshbox_config_revision")
        var gauges: [ResourceKind: Gauge] = [:]
        for kind in ResourceKind.allCases {
            gauges[kind] = Gauge(label: "meshbox_config_resources", dimensions: [("kind", kind.rawValue)])
        }
        resourceGauges = gauges
        var counters: [String: Counter] = [:]
        var timers: [Operation: Metrics.Timer] = [:]
        for operation in Operation.allCases {
            for result in Result.allCases {
                counters[operation.rawValue + "/" + result.rawValue] = Counter(
                    label: "meshbox_config_writes_total",
                    dimensions: [("operation", operation.rawValue), ("result", result.rawValue)]
                )
            }
            timers[operation] = Metrics.Timer(
                label: "meshbox_config_write_duration_seconds",
                dimensions: [("operation", operation.rawValue)],
                preferredDisplayUnit: .seconds
            )
        }
        writes = counters
        durations = timers
    }

    func record(_ operation: Operation, _ result: Result, duration: Duration) {
        writes[operation.rawValue + "/" + result.rawValue]?.increment()
        let (seconds, attoseconds) = duration.components
        durations[operation]?.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func update(revision: Int64, counts: [ResourceKind: Int]) {
        revisionGauge.record(revision)
        for (kind, gauge) in resourceGauges {
            gauge.record(counts[kind] ?? 0)
        }
    }
}
