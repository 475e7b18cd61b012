import MeshAPI
import MeshNet
import MeshTesting
import Testing

/// The data plane's live statistics, filled by real requests through the engine.
@Suite("Traffic stats through the gateway")
struct TrafficStatsThroughGatewayTests {
    static let virtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: app, namespace: default}
        spec:
          hosts: ["app.example.com"]
          gateways: ["gw"]
          http:
          - match: [{uri: {prefix: /fail}}]
            fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
            route: [{destination: {host: app}}]
          - route: [{destination: {host: app}}]
        """

    @Test("requests on several connections (both event loops) add up in the merged window")
    func countsRequests() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let report = try await harness.apply(Self.virtualService, backends: backends)
        #expect(report.failed.isEmpty)
        for _ in 0..<3 {
            let client = try await harness.client()
            for _ in 0..<10 { #expect(try await client.send("GET", "/", host: harness.host).status == 200) }
            await client.close()
        }
        let client = try await harness.client()
        for _ in 0..<5 { #expect(try await client.send("GET", "/fail", host: harness.host).status == 503) }
        for _ in 0..<2 { #expect(try await client.send("GET", "/", host: "other.example.com").status == 404) }
        await client.close()

        // A request shows once its second is complete.
        var window = await harness.plane.trafficStats()
        try await eventually("the window to hold all 37 requests", timeout: .seconds(10), every: .milliseconds(100)) {
            window = await harness.plane.trafficStats()
            return TrafficSecond.sum(window.total).requests == 37
        }
        let total = TrafficSecond.sum(window.total)
        #expect(total.serverErrors == 5)
        #expect(total.latency.total == 37)
        #expect(total.responseBytes > 0)
        #expect(window.total.count == 60)

        let app = TrafficSecond.sum(
            try #require(window.services["app.default.svc.cluster.local"], "\(window.services.keys)")
        )
        #expect(app.requests >= 30, "the 404s have no destination; the aborted requests may count for app")
        #expect(app.requests <= 35)
        let p50 = try #require(app.latency.percentile(0.5))
        let p99 = try #require(app.latency.percentile(0.99))
        #expect(p50 > 0 && p50 <= p99 && p99 < 5_000, "p50 \(p50) ms, p99 \(p99) ms")
        await harness.shutdown(backends)
    }
}
