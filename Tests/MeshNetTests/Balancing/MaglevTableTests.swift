import MeshModel
import MeshNet
import Testing

@Suite("EndpointBalancer Maglev")
struct MaglevTableTests: BalancingFixtures {
    static let policy = Snapshot.LoadBalancingPolicy.maglev(tableSize: nil)

    @Test(
        "the table size is prime, rounded up when needed",
        arguments: [(nil, 65537), (7, 7), (1000, 1009), (65536, 65537), (1, 2)] as [(UInt64?, Int)]
    )
    func primeSize(_ requested: UInt64?, _ expected: Int) {
        let table = MaglevTable(endpoints: testEndpoints(3), size: requested)
        #expect(table.size == expected)
    }

    @Test("the same hash always reaches the same endpoint")
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

    @Test("equal endpoints own equal shares of the table, to one slot")
    func balanced() {
        let table = MaglevTable(endpoints: testEndpoints(10), size: nil)
        let counts = slotCounts(table, endpoints: 10)
        #expect(counts.max()! - counts.min()! <= 1)
    }

    @Test("weighted endpoints own shares in proportion", arguments: [[1, 2, 3], [1, 10], [3, 3, 1]] as [[UInt32]])
    func weighted(_ weights: [UInt32]) {
        let table = MaglevTable(endpoints: testEndpoints(weights: weights), size: nil)
        let counts = slotCounts(table, endpoints: weights.count)
        let total = Double(weights.reduce(0, +))
        for (count, weight) in zip(counts, weights) {
            let expected = Double(table.size) * Double(weight) / total
            #expect(abs(Double(count) - expected) / expected < 0.01, "counts \(counts)")
        }
    }

    @Test("removing one endpoint of ten moves its keys and few others")
    func boundedDisruption() {
        let endpoints = testEndpoints(10)
        let before = EndpointBalancer(policy: Self.policy, endpoints: endpoints, seed: 0)
        // Endpoint 3 is gone and the rest come in another order, which must not matter.
        let remaining = Array(endpoints.dropFirst(4).reversed()) + endpoints.prefix(3)
        let after = EndpointBalancer(policy: Self.policy, endpoints: remaining, seed: 0)
        let fraction = remappedFraction(before, after)
        #expect(fraction > 0.08 && fraction < 0.16, "moved \(fraction)")
    }

    @Test("the order of the endpoints does not change which endpoint a hash reaches")
    func orderIndependent() {
        let endpoints = testEndpoints(weights: [1, 2, 3, 1, 1, 2])
        let a = EndpointBalancer(policy: Self.policy, endpoints: endpoints, seed: 0)
        let b = EndpointBalancer(policy: Self.policy, endpoints: endpoints.reversed(), seed: 0)
        #expect(remappedFraction(a, b) == 0)
    }

    @Test("an unavailable owner hands its keys to the next slot's endpoint, the same one each time")
    func fallback() {
        let balancer = EndpointBalancer(policy: Self.policy, endpoints: testEndpoints(5), seed: 0)
        var fallbacks = Set<Int>()
        for hash in sampleHashes.prefix(500) {
            let owner = balancer.pick(hash: hash)!
            let fallback = balancer.pick(hash: hash) { $0 != owner }
            #expect(fallback != nil && fallback != owner)
            #expect(balancer.pick(hash: hash) { $0 != owner } == fallback)
            fallbacks.insert(fallback ?? -1)
        }
        // Spread over the others, not all onto one neighbour.
        #expect(fallbacks.count == 5)
    }

    private func slotCounts(_ table: MaglevTable, endpoints: Int) -> [Int] {
        // Slot i answers hashes ≡ i (mod size), so hashing 0..<size visits every slot once.
        var counts = Array(repeating: 0, count: endpoints)
        for slot in 0..<UInt64(table.size) {
            counts[table.endpointIndex(for: slot)!] += 1
        }
        return counts
    }
}
