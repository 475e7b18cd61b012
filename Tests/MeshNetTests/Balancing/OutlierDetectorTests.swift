import MeshModel
import MeshNet
import NIOCore
import Testing

/// Records `onEjection` calls.
private final class EjectionLog {
    var events: [String] = []

    func attach(to detector: OutlierDetector) {
        detector.onEjection = { [unowned self] key, ejected in events.append("\(ejected ? "out" : "in") \(key)") }
    }
}

private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

private func at(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

/// A detector over hosts h0…h(count-1).
private func detector(_ config: Snapshot.OutlierDetection, hosts count: Int = 10) -> OutlierDetector {
    let detector = OutlierDetector(config)
    detector.retain(keys: Set((0..<count).map { "h\($0)" }))
    return detector
}

private func fail(_ detector: OutlierDetector, _ key: String, times: Int, with outcome: UpstreamOutcome = .httpError(status: 500), at now: NIODeadline = start) {
    for _ in 0..<times { detector.record(outcome, for: key, now: now) }
}

@Suite("OutlierDetector")
struct OutlierDetectorTests {
    @Test("nil fields take Istio's defaults")
    func defaults() {
        let detector = OutlierDetector(Snapshot.OutlierDetection())
        #expect(detector.consecutive5xx == 5)
        #expect(detector.consecutiveGatewayErrors == nil)
        #expect(detector.interval == .seconds(10))
        #expect(detector.baseEjectionTime == .seconds(30))
        #expect(detector.maxEjectionTime == .seconds(300))
        #expect(detector.maxEjectionPercent == 10)
        #expect(detector.minHealthPercent == 0)
    }

    @Test(
        "N consecutive failures eject the host, N - 1 do not",
        arguments: [
            (1, UpstreamOutcome.httpError(status: 500)), (3, .httpError(status: 503)), (5, .connectFailure),
            (5, .reset), (2, .timeout),
        ] as [(UInt32, UpstreamOutcome)]
    )
    func ejectsAfterThreshold(_ threshold: UInt32, _ outcome: UpstreamOutcome) {
        let detector = detector(.init(consecutive5xx: threshold))
        let log = EjectionLog()
        log.attach(to: detector)
        fail(detector, "h1", times: Int(threshold) - 1, with: outcome)
        #expect(!detector.isEjected("h1", now: start))
        fail(detector, "h1", times: 1, with: outcome)
        #expect(detector.isEjected("h1", now: start))
        #expect(!detector.isEjected("h2", now: start))
        #expect(detector.ejectedCount == 1)
        #expect(log.events == ["out h1"])
    }

    @Test("a success, or any non-5xx answer, resets the streak", arguments: [UpstreamOutcome.success, .httpError(status: 404)])
    func successResets(_ outcome: UpstreamOutcome) {
        let detector = detector(.init(consecutive5xx: 3))
        fail(detector, "h1", times: 2)
        detector.record(outcome, for: "h1", now: start)
        fail(detector, "h1", times: 2)
        #expect(!detector.isEjected("h1", now: start))
        fail(detector, "h1", times: 1)
        #expect(detector.isEjected("h1", now: start))
    }

    @Test("gateway errors have their own threshold, and a plain 500 breaks their streak")
    func gatewayErrors() {
        let detector = detector(.init(consecutive5xx: 0, consecutiveGatewayErrors: 3))
        fail(detector, "h1", times: 10, with: .httpError(status: 500))
        #expect(!detector.isEjected("h1", now: start))
        fail(detector, "h1", times: 2, with: .httpError(status: 502))
        fail(detector, "h1", times: 1, with: .httpError(status: 500))
        fail(detector, "h1", times: 2, with: .connectFailure)
        #expect(!detector.isEjected("h1", now: start))
        fail(detector, "h1", times: 1, with: .httpError(status: 504))
        #expect(detector.isEjected("h1", now: start))
    }

    @Test(
        "at most maxEjectionPercent of the hosts are out, but always one may be",
        arguments: [(10, 10, 1), (20, 10, 2), (10, 0, 1), (4, 50, 2), (3, 100, 3)] as [(Int, UInt32, Int)]
    )
    func maxEjectionPercent(_ hosts: Int, _ percent: UInt32, _ expected: Int) {
        let detector = detector(.init(consecutive5xx: 1, maxEjectionPercent: percent), hosts: hosts)
        for host in 0..<hosts { fail(detector, "h\(host)", times: 1) }
        #expect(detector.ejectedCount == expected)
        #expect((0..<hosts).filter { detector.isEjected("h\($0)", now: start) }.count == expected)
    }

    @Test("a host refused by the cap goes on its next failure once another returned")
    func ejectsAfterCapFrees() {
        let detector = detector(.init(consecutive5xx: 2, baseEjectionTime: .seconds(30)), hosts: 10)
        fail(detector, "h1", times: 2)
        fail(detector, "h2", times: 2)
        #expect(!detector.isEjected("h2", now: start))
        fail(detector, "h2", times: 1, at: at(31))
        #expect(!detector.isEjected("h1", now: at(31)))
        #expect(detector.isEjected("h2", now: at(31)))
    }

    @Test("an ejection ends after the base time, noticed lazily or by a sweep")
    func expiry() {
        let detector = detector(.init(consecutive5xx: 1))
        let log = EjectionLog()
        log.attach(to: detector)
        fail(detector, "h1", times: 1)
        fail(detector, "h2", times: 1, at: at(1))
        #expect(detector.ejectedCount == 1)  // 10% of 10 hosts
        #expect(detector.isEjected("h1", now: at(29)))
        #expect(!detector.isEjected("h1", now: at(30)))
        #expect(detector.ejectedCount == 0)
        fail(detector, "h3", times: 1, at: at(40))
        detector.sweep(now: at(69))
        #expect(detector.ejectedCount == 1)
        detector.sweep(now: at(70))
        #expect(detector.ejectedCount == 0)
        #expect(log.events == ["out h1", "in h1", "out h3", "in h3"])
    }

    @Test("repeated ejections last longer, up to the cap", arguments: [(30, [30, 60, 90, 120]), (100, [100, 200, 300, 300]), (400, [400, 400])] as [(Int64, [Int64])])
    func multiplierGrows(_ base: Int64, _ expected: [Int64]) {
        let detector = detector(.init(consecutive5xx: 1, baseEjectionTime: .seconds(base)))
        var now = start
        for (round, duration) in expected.enumerated() {
            fail(detector, "h1", times: 1, at: now)
            #expect(detector.ejectionMultiplier("h1") == min(round + 1, max(1, Int((300 + base - 1) / base))))
            #expect(detector.ejectionEnd("h1") == now + .seconds(duration))
            now = now + .seconds(duration)
            #expect(!detector.isEjected("h1", now: now))
        }
    }

    @Test("each interval back in service forgives one ejection")
    func multiplierDecays() {
        let detector = detector(.init(consecutive5xx: 1, interval: .seconds(10), baseEjectionTime: .seconds(30)))
        fail(detector, "h1", times: 1, at: at(0))
        fail(detector, "h1", times: 1, at: at(30))  // second ejection: 60 s, until 90
        #expect(detector.ejectionEnd("h1") == at(90))
        var t: Int64 = 0
        while t <= 90 {
            detector.sweep(now: at(t))
            t += 10
        }
        #expect(detector.ejectionMultiplier("h1") == 2)
        detector.sweep(now: at(100))
        #expect(detector.ejectionMultiplier("h1") == 1)
        // Sweeping more often than the interval does not speed forgiveness up.
        detector.sweep(now: at(101))
        detector.sweep(now: at(105))
        #expect(detector.ejectionMultiplier("h1") == 1)
        detector.sweep(now: at(110))
        #expect(detector.ejectionMultiplier("h1") == 0)
        fail(detector, "h1", times: 1, at: at(120))
        #expect(detector.ejectionEnd("h1") == at(150))
    }

    @Test("retain forgets departed hosts and keeps the state of the others")
    func retain() {
        let detector = detector(.init(consecutive5xx: 3, maxEjectionPercent: 100), hosts: 4)
        fail(detector, "h0", times: 3)
        fail(detector, "h1", times: 3)
        fail(detector, "h2", times: 2)
        #expect(detector.ejectedCount == 2)
        detector.retain(keys: ["h1", "h2", "h3", "h4"])
        #expect(detector.ejectedCount == 1)
        #expect(!detector.isEjected("h0", now: start))
        #expect(detector.isEjected("h1", now: start))
        fail(detector, "h2", times: 1)
        #expect(detector.isEjected("h2", now: start))
        #expect(detector.ejectionMultiplier("h0") == 0)
    }

    @Test("below minHealthPercent in service the detector panics and ejections are ignored")
    func panic() {
        let detector = detector(.init(consecutive5xx: 1, maxEjectionPercent: 100, minHealthPercent: 50), hosts: 4)
        #expect(!detector.panicking(total: 4, now: start))
        fail(detector, "h0", times: 1)
        fail(detector, "h1", times: 1)
        #expect(!detector.panicking(total: 4, now: start))
        fail(detector, "h2", times: 1)
        #expect(detector.panicking(total: 4, now: start))
        // Ejections run out: out of panic.
        #expect(!detector.panicking(total: 4, now: at(30)))
    }

    @Test("minHealthPercent 0 never panics")
    func noPanicByDefault() {
        let detector = detector(.init(consecutive5xx: 1, maxEjectionPercent: 100), hosts: 2)
        fail(detector, "h0", times: 1)
        fail(detector, "h1", times: 1)
        #expect(detector.ejectedCount == 2)
        #expect(!detector.panicking(total: 2, now: start))
    }

    @Test("hosts first seen through record count too, and the cluster size from panicking caps ejections")
    func unknownHosts() {
        let detector = OutlierDetector(.init(consecutive5xx: 1, maxEjectionPercent: 50))
        _ = detector.panicking(total: 4, now: start)
        fail(detector, "a", times: 1)
        fail(detector, "b", times: 1)
        fail(detector, "c", times: 1)
        #expect(detector.ejectedCount == 2)
    }
}
