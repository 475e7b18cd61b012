import MeshAPI
import MeshModel
import MeshNet
import MeshTesting
import Testing

/// Explain's answer against what the engine does with the same request on the same snapshot:
/// the real compiler, the real data plane on 127.0.0.1, real backends.
@Suite("Explain agrees with the gateway")
struct ExplainAgreesWithGatewayTests {
    static let subsets = GatewayRoutingTests.subsets

    static func virtualService(_ http: String) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: app, namespace: default}
        spec:
          hosts: ["app.example.com"]
          gateways: ["gw"]
          http:
        \(http)
        ---
        \(subsets)
        """
    }

    static let jasonAndSplit = virtualService(
        """
          - name: jason
            match: [{headers: {end-user: {exact: jason}}}]
            route: [{destination: {host: app, subset: v2}}]
          - name: split
            route:
            - {destination: {host: app, subset: v1}, weight: 80}
            - {destination: {host: app, subset: v3}, weight: 20}
        """
    )

    func explain(
        _ harness: GatewayHarness,
        _ snapshot: Snapshot,
        path: String = "/",
        host: String? = nil,
        headers: [ExplainRequest.Header] = []
    ) -> Explanation {
        RouteExplainer.explain(
            ExplainRequest(listenerPort: harness.port, host: host ?? harness.host, path: path, headers: headers),
            in: snapshot
        )
    }

    @Test("a header match picks the route, subset and endpoint the gateway sends the request to")
    func headerMatch() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2", "v3"])
        let snapshot = try await harness.serve(Self.jasonAndSplit, backends: backends)
        let answer = explain(harness, snapshot, path: "/reviews/1", headers: [.init(name: "End-User", value: "jason")])
        #expect(answer.verdict == .forwarded, "\(answer.summary)")
        #expect(answer.route?.index == 0)
        #expect(answer.route?.summary.name == "default/app/jason")
        #expect(answer.destinations.map(\.split.subset) == ["v2"])
        #expect(answer.destinations.first?.endpoints.map(\.port) == [UInt32(backends[1].port)])

        let response = try await ProxyClient.request(
            port: harness.port,
            "GET",
            "/reviews/1",
            host: harness.host,
            headers: [("end-user", "jason")],
            group: harness.group
        )
        #expect(response.status == 200)
        #expect(response.text == "v2")
        await harness.shutdown(backends)
    }

    @Test("a weighted split lists both clusters with their shares, and traffic reaches only them")
    func weightedSplit() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2", "v3"])
        let snapshot = try await harness.serve(Self.jasonAndSplit, backends: backends)
        let answer = explain(harness, snapshot, path: "/reviews/1")
        #expect(answer.verdict == .forwarded)
        #expect(answer.route?.index == 1)
        #expect(answer.destinations.map(\.split.subset) == ["v1", "v3"])
        #expect(answer.destinations.map(\.split.share) == [80, 20])
        #expect(
            answer.steps.contains { $0.stage == "route" && !$0.passed && $0.text.contains("header end-user = jason") }
        )

        let client = try await harness.client()
        var seen: Set<String> = []
        for _ in 0..<40 {
            let response = try await client.send("GET", "/reviews/1", host: harness.host)
            #expect(response.status == 200)
            seen.insert(response.text)
        }
        await client.close()
        #expect(seen.isSubset(of: ["v1", "v3"]))
        #expect(seen.contains("v1"))
        await harness.shutdown(backends)
    }

    @Test("an unknown host: no virtual host, 404, as the gateway answers")
    func noVirtualHost() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let snapshot = try await harness.serve(Self.jasonAndSplit, backends: backends)
        let answer = explain(harness, snapshot, host: "other.example.com")
        #expect(answer.verdict == .noVirtualHost)
        #expect(answer.status == 404)
        #expect(
            answer.summary.contains("no virtual host for host other.example.com on listener 127.0.0.1_\(harness.port)")
        )

        let response = try await ProxyClient.request(
            port: harness.port,
            "GET",
            "/",
            host: "other.example.com",
            group: harness.group
        )
        #expect(response.status == 404)
        await harness.shutdown(backends)
    }

    @Test("no route matches: 404 with each route's failing condition")
    func noRoute() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let snapshot = try await harness.serve(
            Self.virtualService("  - {match: [{uri: {prefix: /api}}], route: [{destination: {host: app}}]}"),
            backends: backends
        )
        let answer = explain(harness, snapshot, path: "/web")
        #expect(answer.verdict == .noRoute)
        #expect(answer.status == 404)
        #expect(answer.steps.contains { $0.text.contains("path prefix /api (the path is /web)") })
        let response = try await ProxyClient.request(
            port: harness.port,
            "GET",
            "/web",
            host: harness.host,
            group: harness.group
        )
        #expect(response.status == 404)
        await harness.shutdown(backends)
    }

    @Test("a redirect: the same status and Location as the gateway's answer")
    func redirect() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let snapshot = try await harness.serve(
            Self.virtualService(
                "  - {match: [{uri: {prefix: /old}}], redirect: {uri: /new, authority: new.example.com}}"
            ),
            backends: backends
        )
        let answer = explain(harness, snapshot, path: "/old/page?x=1")
        #expect(answer.verdict == .redirected)
        let response = try await ProxyClient.request(
            port: harness.port,
            "GET",
            "/old/page?x=1",
            host: harness.host,
            group: harness.group
        )
        #expect(answer.status == response.status)
        #expect(answer.location == response.header("location"))
        #expect(answer.location?.contains("new.example.com/new") == true)
        await harness.shutdown(backends)
    }

    @Test("an unhealthy endpoint is listed and marked; traffic goes only to the healthy one")
    func unhealthyEndpoint() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2"])
        let snapshot = try await harness.serve(
            Self.virtualService("  - route: [{destination: {host: app}}]"),
            backends: backends,
            unhealthy: ["v2"]
        )
        let answer = explain(harness, snapshot)
        #expect(answer.verdict == .forwarded)
        let endpoints = try #require(answer.destinations.first?.endpoints)
        #expect(endpoints.count == 2)
        let sick = try #require(endpoints.first { $0.port == UInt32(backends[1].port) })
        #expect(sick.health == .unhealthy)
        #expect(!sick.receivesTraffic)
        #expect(answer.destinations.first?.healthyEndpoints == 1)

        let client = try await harness.client()
        for _ in 0..<10 { #expect(try await client.send("GET", "/", host: harness.host).text == "v1") }
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("authorization: Explain decides with the gateway's compiled policies, normalised path included")
    func authorization() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let deny = """
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: no-admin, namespace: default}
            spec:
              selector: {matchLabels: {app: edge}}
              action: DENY
              rules: [{to: [{operation: {paths: ["/admin*"]}}]}]
            """
        let snapshot = try await harness.serve(
            Self.virtualService("  - route: [{destination: {host: app, subset: v1}}]") + "\n" + deny, backends: backends)
        // No policies handed to Explain: the decision comes from the snapshot, as in the gateway.
        for (path, status) in [("/public/../admin/users", 403), ("/public/x", 200)] {
            let answer = explain(harness, snapshot, path: path)
            #expect(answer.status == (status == 403 ? 403 : nil) || answer.verdict == .forwarded, "\(path): \(answer.summary)")
            #expect((answer.verdict == .denied) == (status == 403), "\(path): \(answer.summary)")
            let response = try await ProxyClient.request(port: harness.port, "GET", path, host: harness.host, group: harness.group)
            #expect(response.status == status, "\(path)")
        }
        await harness.shutdown(backends)
    }
}
