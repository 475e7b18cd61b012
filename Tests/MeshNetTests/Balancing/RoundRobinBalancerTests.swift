import MeshModel
import MeshNet
import Testing

@Suite("EndpointBalancer round robin")
struct RoundRobinBalancerTests: BalancingFixtures {
    @Test("equal weights rotate evenly in order")
    func rotatesEvenly() {
        let balancer = EndpointBalancer(policy: .roundRobin, endpoints: testEndpoints(3), seed: 0)
        let sequence = (0..<6).compactMap { _ in balancer.pick() }
        #expect(sequence == [0, 1, 2, 0, 1, 2])
        #expect(pickCounts(balancer, picks: 300) == [100, 100, 100])
    }

    @Test("weights 5, 1, 1 give nginx's smooth sequence a a b a c a a")
    func nginxSequence() {
        let balancer = EndpointBalancer(policy: .roundRobin, endpoints: testEndpoints(weights: [5, 1, 1]), seed: 0)
        let sequence = (0..<14).compactMap { _ in balancer.pick() }
        #expect(sequence == [0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0])
    }

    @Test(
        "weighted picks follow nginx exactly, precomputed or live",
        arguments: [[5, 1, 1], [3, 2], [4, 2, 6], [1, 2, 3, 4, 5], [20_000, 1, 3], [9_000, 9_000, 7]] as [[UInt32]]
    )
    func matchesReference(_ weights: [UInt32]) {
        let balancer = EndpointBalancer(policy: .roundRobin, endpoints: testEndpoints(weights: weights), seed: 0)
        var reference = ReferenceSmoothRoundRobin(weights: weights)
        let total = Int(weights.reduce(0, +))
        var counts = Array(repeating: 0, count: weights.count)
        for _ in 0..<total {
            let picked = balancer.pick()
            #expect(picked == reference.next())
            if let picked { counts[picked] += 1 }
        }
        #expect(counts == weights.map { Int($0) })
    }

    @Test("the seed picks the starting point, so event loops do not all begin on one endpoint")
    func seedOffsetsStart() {
        let starts = (0..<4).map { EndpointBalancer(policy: .roundRobin, endpoints: testEndpoints(4), seed: UInt64($0)).pick() }
        #expect(starts == [0, 1, 2, 3])
    }

    @Test("unavailable endpoints are skipped and the rest stay even")
    func skipsUnavailable() {
        let balancer = EndpointBalancer(policy: .roundRobin, endpoints: testEndpoints(4), seed: 0)
        let counts = pickCounts(balancer, picks: 300, isAvailable: { $0 != 1 })
        #expect(counts == [100, 0, 100, 100])
    }

    @Test("an unavailable heavy endpoint's share spreads over the others by weight")
    func weightedSkip() {
        let balancer = EndpointBalancer(policy: .roundRobin, endpoints: testEndpoints(weights: [5, 1, 2]), seed: 0)
        let counts = pickCounts(balancer, picks: 3_000, isAvailable: { $0 != 0 })
        #expect(counts[0] == 0)
        // b : c should be 1 : 2.
        #expect(abs(Double(counts[2]) / Double(counts[1]) - 2) < 0.05)
    }

    @Test("each endpoint is asked about at most once per pick when equal weights skip")
    func asksOncePerEndpoint() {
        let balancer = EndpointBalancer(policy: .roundRobin, endpoints: testEndpoints(5), seed: 0)
        var asked = 0
        let picked = balancer.pick(hash: nil) { index in
            asked += 1
            return index == 4
        }
        #expect(picked == 4)
        #expect(asked == 5)
    }
}
