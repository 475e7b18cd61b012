import MeshDNS
import Testing

@testable import MeshRegistry

@Suite("When ServiceEntry names are resolved again")
struct HostResolutionScheduleTests {
    typealias Schedule = HostResolutionSchedule<ContinuousClock.Instant>
    let start = ContinuousClock.now

    static func answer(_ addresses: [String], ttl: UInt32) -> Result<DNSResolution, DNSResolutionError> {
        .success(DNSResolution(addresses: addresses, ttl: ttl))
    }

    static let failure: Result<DNSResolution, DNSResolutionError> = .failure(
        DNSResolutionError(.serverFailure, host: "api.example.test", reason: "SERVFAIL"))

    @Test("a TTL is clamped to the floor and the ceiling", arguments: [(0, 5), (3, 5), (60, 60), (86_400, 300)])
    func clamped(ttl: UInt32, expectedSeconds: Int) {
        var schedule = Schedule(minTTL: .seconds(5), maxTTL: .seconds(300))
        schedule.want(["api.example.test"], now: start)
        #expect(schedule.startDue(now: start, limit: 4) == ["api.example.test"])
        _ = schedule.record("api.example.test", Self.answer(["192.0.2.1"], ttl: ttl), now: start)
        #expect(schedule.nextDue == start + .seconds(expectedSeconds))
        #expect(schedule.startDue(now: start + .seconds(expectedSeconds) - .milliseconds(1), limit: 4).isEmpty)
        #expect(schedule.startDue(now: start + .seconds(expectedSeconds), limit: 4) == ["api.example.test"])
    }

    @Test("an answer is a change only when its addresses differ")
    func changes() {
        var schedule = Schedule(minTTL: .seconds(1), maxTTL: .seconds(60))
        schedule.want(["api.example.test"], now: start)
        _ = schedule.startDue(now: start, limit: 1)
        #expect(
            schedule.record("api.example.test", Self.answer(["192.0.2.1"], ttl: 5), now: start)
                == .changed(old: nil, new: ["192.0.2.1"]))
        #expect(schedule.record("api.example.test", Self.answer(["192.0.2.1"], ttl: 9), now: start) == .unchanged)
        #expect(
            schedule.record("api.example.test", Self.answer(["192.0.2.2"], ttl: 5), now: start)
                == .changed(old: ["192.0.2.1"], new: ["192.0.2.2"]))
        #expect(schedule.addresses == ["api.example.test": ["192.0.2.2"]])
    }

    @Test("a failure keeps the last good answer and retries after the floor, doubling up to the ceiling")
    func failures() {
        var schedule = Schedule(minTTL: .seconds(2), maxTTL: .seconds(10))
        schedule.want(["api.example.test"], now: start)
        _ = schedule.record("api.example.test", Self.answer(["192.0.2.1"], ttl: 60), now: start)
        var delays: [Duration] = []
        for failures in 1...4 {
            #expect(
                schedule.record("api.example.test", Self.failure, now: start)
                    == .failed(kept: ["192.0.2.1"], failuresInARow: failures))
            delays.append(schedule.nextDue! - start)
        }
        #expect(delays == [.seconds(2), .seconds(4), .seconds(8), .seconds(10)])
        #expect(schedule.addresses == ["api.example.test": ["192.0.2.1"]])
        _ = schedule.record("api.example.test", Self.answer(["192.0.2.1"], ttl: 1), now: start)
        #expect(schedule.record("api.example.test", Self.failure, now: start) == .failed(kept: ["192.0.2.1"], failuresInARow: 1))
    }

    @Test("a name no longer wanted is forgotten, and its late answer dropped")
    func forgotten() {
        var schedule = Schedule(minTTL: .seconds(1), maxTTL: .seconds(60))
        schedule.want(["a.example.test", "b.example.test"], now: start)
        _ = schedule.record("a.example.test", Self.answer(["192.0.2.1"], ttl: 5), now: start)
        let forgotA = schedule.want(["b.example.test"], now: start)
        let forgotB = schedule.want(["c.example.test"], now: start)
        #expect(forgotA)
        #expect(!forgotB)  // b had no answer yet
        #expect(schedule.record("a.example.test", Self.answer(["192.0.2.9"], ttl: 5), now: start) == .dropped)
        #expect(schedule.addresses.isEmpty)
    }

    @Test("no more names are in flight at once than the limit, and a name in flight is not started again")
    func limit() {
        var schedule = Schedule(minTTL: .seconds(1), maxTTL: .seconds(60))
        schedule.want(Set((1...5).map { "n\($0).example.test" }), now: start)
        #expect(schedule.startDue(now: start, limit: 2) == ["n1.example.test", "n2.example.test"])
        #expect(schedule.startDue(now: start, limit: 2).isEmpty)
        _ = schedule.record("n1.example.test", Self.answer([], ttl: 5), now: start)
        #expect(schedule.startDue(now: start, limit: 2) == ["n3.example.test"])
    }
}
