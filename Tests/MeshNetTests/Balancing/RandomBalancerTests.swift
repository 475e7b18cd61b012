import MeshModel
import MeshNet
import Testing

@Suite("EndpointBalancer random")
struct RandomBalancerTests: BalancingFixtures {
    @Test("uniform within 5% over 40,000 picks")
    func uniform() {
        let balancer = EndpointBalancer(policy: .random, endpoints: testEndpoints(4), seed: 1)
        for count in pickCounts(balancer, picks: 40_000) {
            #expect(abs(count - 10_000) < 500)
        }
    }

    @Test("weighted in proportion within 5%", arguments: [[1, 2, 7], [5, 1, 1], [1, 100]] as [[UInt32]])
    func weighted(_ weights: [UInt32]) {
        let balancer = EndpointBalancer(policy: .random, endpoints: testEndpoints(weights: weights), seed: 2)
        let picks = 50_000
        let counts = pickCounts(balancer, picks: picks)
        let total = Double(weights.reduce(0, +))
        for (count, weight) in zip(counts, weights) {
            let expected = Double(picks) * Double(weight) / total
            #expect(abs(Double(count) - expected) <= max(expected * 0.05, 50))
        }
    }

    @Test("the same seed repeats the same picks; another seed does not")
    func seeded() {
        let endpoints = testEndpoints(10)
        let a = EndpointBalancer(policy: .random, endpoints: endpoints, seed: 42)
        let b = EndpointBalancer(policy: .random, endpoints: endpoints, seed: 42)
        let c = EndpointBalancer(policy: .random, endpoints: endpoints, seed: 43)
        let sequenceA = (0..<50).compactMap { _ in a.pick() }
        #expect(sequenceA == (0..<50).compactMap { _ in b.pick() })
        #expect(sequenceA != (0..<50).compactMap { _ in c.pick() })
    }

    @Test("unavailable endpoints are never picked; the others keep their weights")
    func skipsUnavailable() {
        let balancer = EndpointBalancer(policy: .random, endpoints: testEndpoints(weights: [1, 1, 2, 8]), seed: 3)
        let counts = pickCounts(balancer, picks: 40_000, isAvailable: { $0 != 3 })
        #expect(counts[3] == 0)
        #expect(abs(counts[0] - 10_000) < 600)
        #expect(abs(counts[2] - 20_000) < 800)
    }
}
