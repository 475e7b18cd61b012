import MeshModel
import MeshNet
import Testing

@Suite("EndpointBalancer least request")
struct LeastRequestBalancerTests: BalancingFixtures {
    @Test("a busy endpoint is never picked over idle ones by two choices")
    func avoidsBusy() {
        let balancer = EndpointBalancer(policy: .leastRequest, endpoints: testEndpoints(4), seed: 11)
        for _ in 0..<10 { balancer.requestStarted(0) }
        let counts = pickCounts(balancer, picks: 3_000)
        #expect(counts[0] == 0)
        for index in 1...3 {
            #expect(abs(counts[index] - 1_000) < 150)
        }
    }

    @Test("under load, picks go mostly to the least loaded")
    func prefersIdle() {
        let balancer = EndpointBalancer(policy: .leastRequest, endpoints: testEndpoints(4), seed: 5)
        // Requests never finish on endpoint 3 (a slow one); the others answer at once.
        var counts = [0, 0, 0, 0]
        for _ in 0..<4_000 {
            guard let index = balancer.pick() else { continue }
            counts[index] += 1
            balancer.requestStarted(index)
            if index != 3 { balancer.requestFinished(index) }
        }
        #expect(counts[3] < 20)
        #expect(balancer.activeRequests(3) == counts[3])
        #expect(counts[0] > 1_200 && counts[1] > 1_200 && counts[2] > 1_200)
    }

    @Test("weights divide the load: an idle heavy endpoint wins, a busy one loses")
    func weighted() {
        let balancer = EndpointBalancer(policy: .leastRequest, endpoints: testEndpoints(weights: [1, 3]), seed: 2)
        #expect(pickCounts(balancer, picks: 100) == [0, 100])
        // Load is (active + 1) / weight: (1 + 1) / 3 < (0 + 1) / 1, but (3 + 1) / 3 > 1.
        balancer.requestStarted(1)
        #expect(pickCounts(balancer, picks: 10) == [0, 10])
        balancer.requestStarted(1)
        balancer.requestStarted(1)
        #expect(pickCounts(balancer, picks: 10) == [10, 0])
    }

    @Test("unavailable endpoints are replaced by other draws")
    func skipsUnavailable() {
        let balancer = EndpointBalancer(policy: .leastRequest, endpoints: testEndpoints(5), seed: 9)
        let counts = pickCounts(balancer, picks: 4_000, isAvailable: { $0 != 2 })
        #expect(counts[2] == 0)
        for index in [0, 1, 3, 4] {
            #expect(abs(counts[index] - 1_000) < 150)
        }
    }

    @Test("finishing more requests than started does not underflow")
    func noUnderflow() {
        let balancer = EndpointBalancer(policy: .leastRequest, endpoints: testEndpoints(2), seed: 0)
        balancer.requestFinished(0)
        balancer.requestFinished(7)
        balancer.requestStarted(-1)
        #expect(balancer.activeRequests(0) == 0)
        balancer.requestStarted(0)
        #expect(balancer.activeRequests(0) == 1)
    }

    @Test("a replacement balancer takes over the in-flight counts of the endpoints it keeps")
    func adoptsActiveRequests() {
        let endpoints = testEndpoints(4)
        let old = EndpointBalancer(policy: .leastRequest, endpoints: endpoints, seed: 0)
        for _ in 0..<3 { old.requestStarted(1) }
        old.requestStarted(2)
        let new = EndpointBalancer(policy: .leastRequest, endpoints: [endpoints[2], endpoints[3], endpoints[1]], seed: 0)
        new.adoptActiveRequests(from: old)
        #expect((0..<3).map(new.activeRequests) == [1, 0, 3])
    }
}
