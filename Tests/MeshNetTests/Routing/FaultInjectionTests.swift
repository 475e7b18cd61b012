import MeshModel
import MeshNet
import Testing

extension RoutingTests {
    @Suite("FaultInjection")
    struct FaultInjectionTests {
        static func count(_ runs: Int, _ body: (inout SplitMix64) -> Bool) -> Int {
            var generator = SplitMix64(seed: 7)
            return (0..<runs).reduce(0) { total, _ in total + (body(&generator) ? 1 : 0) }
        }

        @Test(
            "delays and aborts hit their share of 10,000 requests",
            arguments: [(0.0, 0), (100.0, 10_000), (50.0, 5_000), (12.5, 1_250), (0.5, 50), (250.0, 10_000), (-1.0, 0)]
        )
        func percentages(percentage: Double, expected: Int) {
            let fault = Snapshot.FaultInjection(
                delay: .init(duration: .milliseconds(5), percentage: percentage),
                abort: .init(httpStatus: 503, percentage: percentage)
            )
            let delayed = Self.count(10_000) { fault.decide(using: &$0).delay == .milliseconds(5) }
            let aborted = Self.count(10_000) { fault.decide(using: &$0).abortStatus == 503 }
            let tolerance = max(expected / 10, 25)
            #expect(abs(delayed - expected) <= (expected % 10_000 == 0 ? 0 : tolerance))
            #expect(abs(aborted - expected) <= (expected % 10_000 == 0 ? 0 : tolerance))
        }

        @Test("fixed percentages draw no random number and an empty fault does nothing")
        func deterministic() {
            var generator = CountingGenerator()
            let always = Snapshot.FaultInjection(abort: .init(httpStatus: 429, percentage: 100))
            #expect(always.decide(using: &generator) == FaultDecision(abortStatus: 429))
            let never = Snapshot.FaultInjection(delay: .init(duration: .seconds(1), percentage: 0))
            #expect(never.decide(using: &generator).isNone)
            #expect(Snapshot.FaultInjection().decide(using: &generator) == .noFault)
            #expect(generator.draws == 0)
        }

        @Test("delay and abort are drawn independently")
        func independent() {
            let fault = Snapshot.FaultInjection(
                delay: .init(duration: .seconds(1), percentage: 50),
                abort: .init(httpStatus: 500, percentage: 50)
            )
            let both = Self.count(10_000) {
                let decision = fault.decide(using: &$0)
                return decision.delay != nil && decision.abortStatus != nil
            }
            #expect(abs(both - 2_500) < 250)
        }

        @Test("mirroring copies its share of requests", arguments: [(0.0, 0), (100.0, 10_000), (25.0, 2_500)])
        func mirror(percentage: Double, expected: Int) {
            let policy = Snapshot.MirrorPolicy(cluster: "shadow", percentage: percentage)
            let mirrored = Self.count(10_000) { policy.shouldMirror(using: &$0) }
            #expect(abs(mirrored - expected) <= expected / 10)
        }
    }
}
