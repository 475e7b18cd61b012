import MeshModel
import MeshNet
import Testing

@Suite("EndpointBalancer, all policies")
struct EndpointBalancerTests: BalancingFixtures {
    @Test("no available endpoint gives nil", arguments: Snapshot.LoadBalancingPolicy.allWithDefaults)
    func allUnavailable(_ policy: Snapshot.LoadBalancingPolicy) {
        let balancer = EndpointBalancer(policy: policy, endpoints: testEndpoints(weights: [1, 3, 2]), seed: 7)
        for hash in [nil, 42, UInt64.max] as [UInt64?] {
            var asked = Set<Int>()
            var calls = 0
            let picked = balancer.pick(hash: hash) { index in
                asked.insert(index)
                calls += 1
                return false
            }
            #expect(picked == nil)
            #expect(asked == [0, 1, 2])
            // Bounded: a few random draws plus one pass at most.
            #expect(calls <= 3 + 4)
        }
    }

    @Test("no endpoints gives nil", arguments: Snapshot.LoadBalancingPolicy.allWithDefaults)
    func noEndpoints(_ policy: Snapshot.LoadBalancingPolicy) {
        let balancer = EndpointBalancer(policy: policy, endpoints: [], seed: 1)
        #expect(balancer.pick(hash: 5) == nil)
        #expect(balancer.pick(hash: nil) == nil)
    }

    @Test("the only available endpoint is always found", arguments: Snapshot.LoadBalancingPolicy.allWithDefaults)
    func findsLastAvailable(_ policy: Snapshot.LoadBalancingPolicy) {
        let balancer = EndpointBalancer(policy: policy, endpoints: testEndpoints(weights: [4, 1, 1, 2, 1, 1, 1, 1, 1, 3]), seed: 3)
        for hash in sampleHashes.prefix(200) {
            #expect(balancer.pick(hash: hash) { $0 == 7 } == 7)
        }
    }

    @Test("a shared table serves several balancers alike")
    func sharedTable() {
        let table = BalancerTable(policy: .maglev(tableSize: 251), endpoints: testEndpoints(5))
        let a = EndpointBalancer(table: table, seed: 1)
        let b = EndpointBalancer(table: table, seed: 2)
        for hash in sampleHashes.prefix(100) {
            #expect(a.pick(hash: hash) == b.pick(hash: hash))
        }
    }

    @Test("endpoints come from the snapshot, keyed address:port")
    func endpointFromSnapshot() {
        let endpoint = UpstreamEndpoint(
            Snapshot.LbEndpoint(address: "10.1.2.3", port: 9080, weight: 0, health: .healthy, instanceID: "reviews-1")
        )
        #expect(endpoint.key == "10.1.2.3:9080")
        #expect(endpoint.port == 9080)
        #expect(endpoint.weight == 1)
        #expect(endpoint.instanceID == "reviews-1")
        #expect(UpstreamEndpoint(address: "fd00::1", port: 80).key == "[fd00::1]:80")
    }
}
