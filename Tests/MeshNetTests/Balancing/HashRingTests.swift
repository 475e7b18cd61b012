import MeshModel
import MeshNet
import Testing

@Suite("EndpointBalancer ring hash")
struct HashRingTests: BalancingFixtures {
    static let policy = Snapshot.LoadBalancingPolicy.ringHash(minimumRingSize: nil)

    @Test("the same hash always reaches the same endpoint, on any balancer of the set")
    func sticky() {
        let a = EndpointBalancer(policy: Self.policy, endpoints: testEndpoints(10), seed: 1)
        let b = EndpointBalancer(policy: Self.policy, endpoints: testEndpoints(10), seed: 2)
        for hash in sampleHashes.prefix(1_000) {
            let first = a.pick(hash: hash)
            #expect(first != nil)
            #expect(a.pick(hash: hash) == first)
            #expect(b.pick(hash: hash) == first)
        }
    }

    @Test("removing one endpoint of ten remaps only that endpoint's keys")
    func minimalDisruption() {
        let endpoints = testEndpoints(10)
        let before = EndpointBalancer(policy: Self.policy, endpoints: endpoints, seed: 0)
        let after = EndpointBalancer(policy: Self.policy, endpoints: Array(endpoints.dropFirst(1)), seed: 0)
        let removed = endpoints[0].key
        var moved = 0
        for hash in sampleHashes {
            let old = before.endpoints[before.pick(hash: hash)!].key
            let new = after.endpoints[after.pick(hash: hash)!].key
            if old != new {
                moved += 1
                #expect(old == removed)
            }
        }
        #expect(abs(Double(moved) / Double(sampleHashes.count) - 0.1) < 0.04)
    }

    @Test("adding an eleventh endpoint moves about a tenth of the keys, all to it")
    func addition() {
        let endpoints = testEndpoints(11)
        let before = EndpointBalancer(policy: Self.policy, endpoints: Array(endpoints.prefix(10)), seed: 0)
        let after = EndpointBalancer(policy: Self.policy, endpoints: endpoints, seed: 0)
        let fraction = remappedFraction(before, after)
        #expect(abs(fraction - 1.0 / 11) < 0.04)
    }

    @Test("keys spread in proportion to weight", arguments: [[1, 1, 1, 1], [1, 2, 3, 4], [1, 5]] as [[UInt32]])
    func weighted(_ weights: [UInt32]) {
        let balancer = EndpointBalancer(policy: Self.policy, endpoints: testEndpoints(weights: weights), seed: 0)
        var counts = Array(repeating: 0, count: weights.count)
        for hash in sampleHashes { counts[balancer.pick(hash: hash)!] += 1 }
        let total = Double(weights.reduce(0, +))
        for (count, weight) in zip(counts, weights) {
            let expected = Double(sampleHashes.count) * Double(weight) / total
            #expect(abs(Double(count) - expected) / expected < 0.2, "counts \(counts)")
        }
    }

    @Test("the ring holds between one and two times the minimum size", arguments: [1, 10, 100, 1024, 5000] as [UInt64])
    func ringSize(_ minimum: UInt64) {
        for count in [1, 3, 10, 100] {
            let ring = HashRing(endpoints: testEndpoints(count), minimumSize: minimum)
            #expect(ring.count >= max(Int(minimum), count))
            #expect(ring.count < max(2 * Int(minimum), count * 2))
        }
    }

    @Test("an unavailable owner hands its keys to the next point's endpoint, the same one each time")
    func fallback() {
        let balancer = EndpointBalancer(policy: Self.policy, endpoints: testEndpoints(5), seed: 0)
        for hash in sampleHashes.prefix(500) {
            let owner = balancer.pick(hash: hash)!
            let fallback = balancer.pick(hash: hash) { $0 != owner }
            #expect(fallback != nil && fallback != owner)
            #expect(balancer.pick(hash: hash) { $0 != owner } == fallback)
        }
    }

    @Test("a walk asks each endpoint at most once")
    func walkAsksOnce() {
        let balancer = EndpointBalancer(policy: Self.policy, endpoints: testEndpoints(8), seed: 0)
        var asked: [Int] = []
        let picked = balancer.pick(hash: 12345) { index in
            asked.append(index)
            return index == 6
        }
        #expect(picked == 6)
        #expect(Set(asked).count == asked.count)
    }

    @Test("without a hash the pick is random over all endpoints")
    func noHash() {
        let balancer = EndpointBalancer(policy: Self.policy, endpoints: testEndpoints(4), seed: 4)
        for count in pickCounts(balancer, picks: 4_000) {
            #expect(abs(count - 1_000) < 150)
        }
    }
}
