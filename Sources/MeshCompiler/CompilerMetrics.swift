import Metrics

/// The compiler's metrics; no labels.
struct CompilerMetrics: Sendable {
    private let compilations = Counter(label: "meshbox_compiler_compilations_total")
    private let duration = Metrics.Timer(label: "meshbox_compiler_compile_duration_seconds")
    private let version = Gauge(label: "meshbox_snapshot_version")

    func recordCompilation(_ elapsed: Duration) {
        compilations.increment()
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        duration.recordNanoseconds(nanoseconds)
    }

    func recordVersion(_ value: UInt64) {
        version.record(Double(value))
    }
}
