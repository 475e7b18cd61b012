import MeshAPI
import Metrics

/// The registry's metrics. Label values are bounded (health states, check kinds, results).
struct RegistryMetrics: Sendable {
    private let instances: [HealthState: Gauge]
    private let revision: Gauge
    private let checks: [String: Counter]

    init() {
        var instances: [HealthState: Gauge] = [:]
        for health in [HealthState.unknown, .passing, .critical] {
            instances[health] = Gauge(label: "meshbox_registry_instances", dimensions: [("health", health.rawValue)])
        }
        self.instances = instances
        revision = Gauge(label: "meshbox_registry_revision")
        var checks: [String: Counter] = [:]
        for kind in [HealthCheckSpec.Kind.http, .tcp, .ttl] {
            for result in ["success", "failure"] {
                checks[kind.rawValue + "/" + result] = Counter(
                    label: "meshbox_registry_health_checks_total",
                    dimensions: [("kind", kind.rawValue), ("result", result)])
            }
        }
        self.checks = checks
    }

    func recordInstances(_ counts: [HealthState: Int]) {
        for (health, gauge) in instances { gauge.record(counts[health] ?? 0) }
    }

    func recordRevision(_ value: Int64) {
        revision.record(value)
    }

    /// For TTL checks a heartbeat counts as a success and an expiry as a failure.
    func recordCheck(kind: HealthCheckSpec.Kind, success: Bool) {
        checks[kind.rawValue + (success ? "/success" : "/failure")]?.increment()
    }
}
