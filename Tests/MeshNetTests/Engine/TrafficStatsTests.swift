import Foundation
import MeshAPI
import NIOCore
import Testing

@testable import MeshNet

@Suite("TrafficStats")
struct TrafficStatsTests {
    /// The start of monotonic second `second`, plus `milliseconds`.
    static func at(_ second: Int64, _ milliseconds: Int64 = 0) -> NIODeadline {
        .uptimeNanoseconds(UInt64(second * 1_000_000_000 + milliseconds * 1_000_000))
    }

    static func record(
        _ stats: TrafficStats,
        _ service: String?,
        status: Int = 200,
        milliseconds: Int64 = 2,
        at deadline: NIODeadline
    ) {
        stats.record(
            service: service,
            status: status,
            duration: .milliseconds(milliseconds),
            requestBytes: 10,
            responseBytes: 100,
            at: deadline
        )
    }

    @Test("a request counts in its second, in total and for its service; the current second is left out")
    func countsBySecond() {
        let stats = TrafficStats()
        Self.record(stats, "a", at: Self.at(1000, 100))
        Self.record(stats, "a", status: 503, at: Self.at(1000, 900))
        Self.record(stats, nil, status: 404, at: Self.at(1002))
        Self.record(stats, "b", at: Self.at(1003, 10))  // the second being cut: not complete yet

        let (total, services) = stats.seconds(before: 1003)
        #expect(total.count == TrafficStats.windowSeconds)
        #expect(total.map(\.requests).reduce(0, +) == 3)
        #expect(total[57].requests == 2)  // second 1000 is 3 before 1003: the third from the end
        #expect(total[57].serverErrors == 1)
        #expect(total[57].requestBytes == 20)
        #expect(total[57].responseBytes == 200)
        #expect(total[58].requests == 0)
        #expect(total[59].requests == 1)
        // b is listed (it is not idle) but has nothing in a complete second yet.
        #expect(Set(services.keys) == ["a", "b"])
        #expect(services["b"]?.map(\.requests).reduce(0, +) == 0)
        #expect(services["a"]?[57].requests == 2)
        #expect(services["a"]?[57].latency.total == 2)
    }

    @Test("a slot reused a minute later starts from zero")
    func rollover() throws {
        let stats = TrafficStats()
        for _ in 0..<5 { Self.record(stats, "a", milliseconds: 900, at: Self.at(100)) }
        Self.record(stats, "a", milliseconds: 1, at: Self.at(160))  // same slot as second 100

        let (total, services) = stats.seconds(before: 161)
        #expect(total.map(\.requests).reduce(0, +) == 1, "second 100 has left the window")
        let newest = total[59]
        #expect(newest.requests == 1)
        #expect(newest.latency.total == 1)
        let p50 = try #require(newest.latency.percentile(0.5))
        #expect(p50 < 2, "the 900 ms requests of second 100 are gone: \(p50)")
        #expect(services["a"]?.map(\.requests).reduce(0, +) == 1)
    }

    @Test("the window keeps exactly the last 60 complete seconds")
    func windowEdges() {
        let stats = TrafficStats()
        Self.record(stats, "a", at: Self.at(139))  // 61 seconds before 200: out
        Self.record(stats, "a", at: Self.at(140))  // the oldest second in
        Self.record(stats, "a", at: Self.at(199))  // the newest
        let (total, _) = stats.seconds(before: 200)
        #expect(total.first?.requests == 1)
        #expect(total.last?.requests == 1)
        #expect(total.map(\.requests).reduce(0, +) == 2)
    }

    @Test("a service with no request for a minute is forgotten")
    func idleServicesAreForgotten() {
        let stats = TrafficStats()
        Self.record(stats, "old", at: Self.at(10))
        Self.record(stats, "new", at: Self.at(75))
        #expect(Set(stats.seconds(before: 60).services.keys) == ["old", "new"])
        #expect(Set(stats.seconds(before: 76).services.keys) == ["new"])
        Self.record(stats, "old", at: Self.at(80))
        #expect(Set(stats.seconds(before: 81).services.keys) == ["old", "new"])
    }

    @Test("services beyond the limit count in the total only")
    func serviceLimit() {
        let stats = TrafficStats()
        for index in 0..<(TrafficStats.maxServices + 10) { Self.record(stats, "s\(index)", at: Self.at(5)) }
        let (total, services) = stats.seconds(before: 6)
        #expect(services.count == TrafficStats.maxServices)
        #expect(total[59].requests == TrafficStats.maxServices + 10)
    }

    @Test("windows of several loops merge second by second, also when cut a second apart")
    func mergeAcrossLoops() {
        let first = TrafficStats()
        let second = TrafficStats()
        Self.record(first, "a", milliseconds: 1, at: Self.at(50))
        Self.record(second, "a", milliseconds: 100, at: Self.at(50))
        Self.record(second, "b", status: 500, at: Self.at(51))
        var merged = first.window(before: 52)
        merged.merge(second.window(before: 52))
        #expect(merged.total[58].requests == 2)
        #expect(merged.total[59].serverErrors == 1)
        #expect(merged.services["a"]?[58].latency.total == 2)
        #expect(merged.services["b"]?[59].requests == 1)
        let p99 = merged.services["a"]?[58].latency.percentile(0.99) ?? 0
        #expect(p99 > 80 && p99 < 125, "the slow loop's request sets p99: \(p99)")

        // A window one second newer lines up by sequence; its newest second falls outside.
        var older = first.window(before: 52)
        let newer = second.window(before: 53)
        older.merge(newer)
        #expect(older.total[58].requests == 2)
        #expect(older.total[59].requests == 1)
        #expect(older.total.map(\.requests).reduce(0, +) == 3)
    }
}
