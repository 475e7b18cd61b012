import MeshModel
import MeshNet
import MeshTesting
import Testing

/// A connection the upstream drops mid-request gives its slot back: with `maxConnections: 1`, the
/// next request still gets a connection (HTTP/1.1 connections and HTTP/2 sessions alike).
@Suite("Upstream connection slots")
struct UpstreamConnectionSlotTests {
    @Test("an upstream dying mid-request frees its connection slot", arguments: [false, true])
    func slotFreedAfterDeath(http2: Bool) async throws {
        let bed = try HTTP2UpstreamBed()
        let first = try await HTTP2TestBackend.start(name: "first", group: bed.clients)
        let options = HTTP2UpstreamBed.Options(http2: http2, circuitBreakers: .init(maxConnections: 1))
        await bed.apply(options, backends: [first.port])
        async let broken = bed.get("/slow", headers: [("x-delay-ms", "5000")])
        try await eventually("the request reaches the backend") { first.requests.count == 1 }
        await first.kill()
        #expect(try await broken.status == 503)

        // Same cluster, new endpoint: its runtime (and circuit breaker) carries on.
        let second = try await HTTP2TestBackend.start(name: "second", group: bed.clients)
        await bed.apply(options, backends: [second.port], version: 2)
        let response = try await bed.get("/next")
        #expect(response.status == 200 && response.text == "second", "\(response)")
        await bed.shutdown([second])
    }
}
