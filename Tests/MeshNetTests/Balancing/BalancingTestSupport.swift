import MeshModel
import MeshNet

/// Helpers of the balancing suites, which conform to this to call them unqualified without putting
/// names in the whole test module.
protocol BalancingFixtures {}

/// 10,000 well-spread request hashes, the same on every run.
private let sharedSampleHashes: [UInt64] = (0..<10_000).map { StableHash.hash("request-\($0)") }

extension BalancingFixtures {
    /// Endpoints `10.0.0.<i+1>:8080` with the given weights (default: `count` endpoints of weight 1).
    func testEndpoints(_ count: Int) -> [UpstreamEndpoint] {
        testEndpoints(weights: Array(repeating: 1, count: count))
    }

    func testEndpoints(weights: [UInt32]) -> [UpstreamEndpoint] {
        weights.enumerated().map { index, weight in
            UpstreamEndpoint(address: "10.0.\(index / 250).\(index % 250 + 1)", port: 8080, weight: weight, instanceID: "i\(index)")
        }
    }

    var sampleHashes: [UInt64] { sharedSampleHashes }

    /// How many of `picks` picks landed on each endpoint.
    func pickCounts(
        _ balancer: EndpointBalancer,
        picks: Int,
        hash: () -> UInt64? = { nil },
        isAvailable: (Int) -> Bool = { _ in true }
    ) -> [Int] {
        var counts = Array(repeating: 0, count: balancer.endpoints.count)
        for _ in 0..<picks {
            if let index = balancer.pick(hash: hash(), isAvailable: isAvailable) { counts[index] += 1 }
        }
        return counts
    }

    /// The fraction of `hashes` whose endpoint key differs between two balancers.
    func remappedFraction(_ before: EndpointBalancer, _ after: EndpointBalancer) -> Double {
        var moved = 0
        for hash in sampleHashes {
            let a = before.pick(hash: hash).map { before.endpoints[$0].key }
            let b = after.pick(hash: hash).map { after.endpoints[$0].key }
            if a != b { moved += 1 }
        }
        return Double(moved) / Double(sampleHashes.count)
    }
}

/// nginx's smooth weighted round robin, written plainly as the reference for the balancer's.
struct ReferenceSmoothRoundRobin {
    var weights: [Int64]
    var current: [Int64]

    init(weights: [UInt32]) {
        self.weights = weights.map(Int64.init)
        self.current = Array(repeating: 0, count: weights.count)
    }

    mutating func next(isAvailable: (Int) -> Bool = { _ in true }) -> Int? {
        var best: Int?
        var total: Int64 = 0
        for i in weights.indices where isAvailable(i) {
            current[i] += weights[i]
            total += weights[i]
            if best == nil || current[i] > current[best!] { best = i }
        }
        if let best { current[best] -= total }
        return best
    }
}

extension Snapshot.LoadBalancingPolicy {
    static let allWithDefaults: [Snapshot.LoadBalancingPolicy] = [
        .roundRobin, .leastRequest, .random, .ringHash(minimumRingSize: nil), .maglev(tableSize: nil),
    ]
}
