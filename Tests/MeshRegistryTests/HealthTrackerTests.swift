import MeshAPI
import MeshRegistry
import Testing

@Suite("HealthTracker")
struct HealthTrackerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var healthy: Int
        var unhealthy: Int
        var results: [Bool]
        var states: [HealthState]
        var testDescription: String { "thresholds \(healthy)/\(unhealthy), results \(results)" }
    }

    static let cases: [Case] = [
        // From unknown the first result decides, whatever the thresholds.
        Case(healthy: 1, unhealthy: 1, results: [true], states: [.passing]),
        Case(healthy: 3, unhealthy: 3, results: [false], states: [.critical]),
        Case(healthy: 3, unhealthy: 3, results: [true], states: [.passing]),
        // unhealthyThreshold 2: one failure keeps passing, the second turns critical.
        Case(healthy: 1, unhealthy: 2, results: [true, false, false], states: [.passing, .passing, .critical]),
        Case(healthy: 1, unhealthy: 2, results: [true, false, true, false], states: [.passing, .passing, .passing, .passing]),
        // healthyThreshold 2: one success after critical is not enough.
        Case(healthy: 2, unhealthy: 1, results: [false, true, true], states: [.critical, .critical, .passing]),
        Case(
            healthy: 2, unhealthy: 1, results: [false, true, false, true, true],
            states: [.critical, .critical, .critical, .critical, .passing]),
    ]

    @Test("applies thresholds after the first result", arguments: cases)
    func thresholds(_ example: Case) {
        var tracker = HealthTracker(healthyThreshold: example.healthy, unhealthyThreshold: example.unhealthy)
        #expect(tracker.state == .unknown)
        var seen: [HealthState] = []
        for result in example.results {
            _ = tracker.record(success: result)
            seen.append(tracker.state)
        }
        #expect(seen == example.states)
    }
}
