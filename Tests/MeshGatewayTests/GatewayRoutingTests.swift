import MeshNet
import MeshTesting
import NIOCore
import Testing

/// Requests through the real engine to real backends, routed by VirtualServices as users write them.
@Suite("Gateway routing through real sockets")
struct GatewayRoutingTests {
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
        """
    }

    /// A DestinationRule for `app` with one `trafficPolicy` line (flow-style YAML).
    static func trafficPolicy(_ policy: String) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: app, namespace: default}
        spec:
          host: app
          trafficPolicy:
            \(policy)
        """
    }

    static let subsets = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: app, namespace: default}
        spec:
          host: app
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
          - {name: v3, labels: {version: v3}}
        """

    @Test("a request reaches the backend, which sees x-request-id and x-forwarded-for")
    func forwards() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let report = try await harness.apply(Self.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        #expect(report.failed.isEmpty)
        let client = try await harness.client()
        let response = try await client.send("GET", "/hello?x=1", host: harness.host, headers: [("connection", "keep-alive, x-drop"), ("x-drop", "1")])
        #expect(response.status == 200)
        #expect(response.text == "v1")
        let seen = try #require(backends[0].received.first)
        #expect(seen.uri == "/hello?x=1")
        #expect(seen.header("x-request-id")?.count == 36)
        #expect(seen.header("x-forwarded-for") == "127.0.0.1")
        #expect(seen.header("x-forwarded-proto") == "http")
        #expect(seen.header("x-drop") == nil, "headers named in Connection are hop-by-hop")
        #expect(response.header("x-envoy-upstream-service-time").flatMap { Int($0) } != nil)
        // The connection is kept: a second request on it works.
        #expect(try await client.send("GET", "/again", host: harness.host).status == 200)
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("a route's response header rules apply to the fields the proxy adds, x-envoy-upstream-service-time too")
    func responseRulesSeeProxyFields() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let route = """
              - route: [{destination: {host: app}}]
                headers: {response: {remove: [x-envoy-upstream-service-time], set: {x-served: "yes"}}}
            """
        try await harness.apply(Self.virtualService(route), backends: backends)
        let client = try await harness.client()
        let response = try await client.send("GET", "/", host: harness.host)
        #expect(response.status == 200)
        #expect(response.header("x-served") == "yes")
        #expect(response.header("x-envoy-upstream-service-time") == nil)
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("connectionPool.tcp.tcpKeepalive turns on TCP keepalive, with its idle time, on upstream connections")
    func upstreamKeepalive() async throws {
        /// The kernel's timers on the established connections to `port`, as `ss -o` prints them.
        func timers(to port: Int) async throws -> String {
            let run = try await Tool.run("ss", ["-tnoH", "state", "established", "dst", "127.0.0.1:\(port)"])
            #expect(run.status == 0, "\(run.output)")
            return run.output
        }
        for keepalive in [false, true] {
            let harness = try await GatewayHarness()
            let backends = try await harness.backends(["v1"])
            let tcp = keepalive ? "tcpKeepalive: {time: 7s, interval: 2s, probes: 3}" : "maxConnections: 100"
            let policy = "connectionPool: {tcp: {\(tcp)}}"
            let report = try await harness.apply(
                Self.trafficPolicy(policy) + "\n---\n" + Self.virtualService("  - route: [{destination: {host: app}}]"),
                backends: backends)
            #expect(report.failed.isEmpty)
            let client = try await harness.client()
            #expect(try await client.send("GET", "/", host: harness.host).status == 200)
            // The pooled connection to the backend stays open: its keepalive timer counts down from 7 s.
            let seen = try await timers(to: backends[0].port)
            if keepalive {
                let remaining = seen.firstRange(of: "timer:(keepalive,").map { seen[$0.upperBound...].prefix { $0.isNumber } }
                #expect(remaining.flatMap { Int($0) }.map { (1...7).contains($0) } == true, "\(seen)")
            } else {
                #expect(!seen.isEmpty && !seen.contains("keepalive"), "\(seen)")
            }
            await client.close()
            await harness.shutdown(backends)
        }
    }

    @Test("connectionPool.tcp.maxConnectionDuration: an upstream connection past it takes no new request")
    func maxConnectionDuration() async throws {
        for limited in [false, true] {
            let harness = try await GatewayHarness()
            let backends = try await harness.backends(["v1"])
            // 3 s: room for the first two requests on a loaded machine.
            let tcp = limited ? "maxConnectionDuration: 3s" : "maxConnections: 100"
            let report = try await harness.apply(
                Self.trafficPolicy("connectionPool: {tcp: {\(tcp)}}") + "\n---\n"
                    + Self.virtualService("  - route: [{destination: {host: app}}]"),
                backends: backends)
            #expect(report.failed.isEmpty)
            let client = try await harness.client()
            #expect(try await client.send("GET", "/1", host: harness.host).status == 200)
            #expect(try await client.send("GET", "/2", host: harness.host).status == 200)
            #expect(backends[0].connectionCount == 1, "requests within the duration share a connection")
            try await Task.sleep(for: .milliseconds(3200))
            #expect(try await client.send("GET", "/3", host: harness.host).status == 200)
            #expect(backends[0].connectionCount == (limited ? 2 : 1), "limited: \(limited)")
            await client.close()
            await harness.shutdown(backends)
        }
    }

    @Test("an unknown host gets 404 and the connection stays usable")
    func noRoute() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        try await harness.apply(Self.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        let client = try await harness.client()
        #expect(try await client.send("GET", "/", host: "other.example.com").status == 404)
        #expect(try await client.send("GET", "/", host: harness.host).status == 200)
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("a weighted split 80/20 holds within 5 % over 2,000 requests")
    func weightedSplit() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2"])
        try await harness.apply(
            Self.virtualService("""
                  - route:
                    - {destination: {host: app, subset: v1}, weight: 80}
                    - {destination: {host: app, subset: v2}, weight: 20}
                """) + "\n---\n" + Self.subsets, backends: backends)
        let client = try await harness.client()
        var counts: [String: Int] = [:]
        for _ in 0..<2_000 {
            let response = try await client.send("GET", "/", host: harness.host)
            counts[response.text, default: 0] += 1
        }
        await client.close()
        let share = Double(counts["v1", default: 0]) / 2_000
        #expect(abs(share - 0.8) <= 0.05, "v1 got \(counts)")
        await harness.shutdown(backends)
    }

    @Test("a header match picks its route; other requests fall through to the next rule")
    func headerMatch() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2"])
        try await harness.apply(
            Self.virtualService("""
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: app, subset: v2}}]
                  - route: [{destination: {host: app, subset: v1}}]
                """) + "\n---\n" + Self.subsets, backends: backends)
        let client = try await harness.client()
        #expect(try await client.send("GET", "/", host: harness.host, headers: [("end-user", "jason")]).text == "v2")
        #expect(try await client.send("GET", "/", host: harness.host, headers: [("end-user", "ann")]).text == "v1")
        #expect(try await client.send("GET", "/", host: harness.host).text == "v1")
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("retries succeed when one of three backends answers 503")
    func retries() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2", "v3"])
        backends[1].behaviour = .status(503)
        try await harness.apply(
            Self.virtualService("""
                  - route: [{destination: {host: app}}]
                    retries: {attempts: 3, retryOn: "5xx"}
                """), backends: backends)
        let client = try await harness.client()
        for _ in 0..<60 {
            let response = try await client.send("GET", "/", host: harness.host)
            #expect(response.status == 200)
            #expect(response.text != "v2")
        }
        await client.close()
        #expect(backends[1].requestCount > 0, "the failing backend was tried")
        await harness.shutdown(backends)
    }

    @Test("without a retry policy a 503 passes through to the client")
    func noRetry() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .status(503))
        try await harness.apply(
            Self.virtualService("""
                  - route: [{destination: {host: app}}]
                    retries: {attempts: 0}
                """), backends: backends)
        #expect(try await ProxyClient.request(port: harness.port, "GET", "/", host: harness.host, group: harness.group).status == 503)
        await harness.shutdown(backends)
    }

    @Test("outlier detection ejects a backend that keeps failing")
    func outlierEjection() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2"])
        backends[1].behaviour = .status(500)
        try await harness.apply(
            Self.virtualService("  - route: [{destination: {host: app}}]\n    retries: {attempts: 0}") + "\n---\n"
                + Self.trafficPolicy(
                    "outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 50}"),
            backends: backends)
        let client = try await harness.client()
        for _ in 0..<40 { _ = try await client.send("GET", "/", host: harness.host) }
        let failedBefore = backends[1].requestCount
        var statuses: [Int] = []
        for _ in 0..<40 { statuses.append(try await client.send("GET", "/", host: harness.host).status) }
        await client.close()
        #expect(statuses.allSatisfy { $0 == 200 }, "after ejection only the healthy backend answers: \(statuses)")
        #expect(backends[1].requestCount == failedBefore)
        // Two event loops each eject after 3 failures: at most 6 requests reached the failing one.
        #expect(failedBefore <= 6)
        await harness.shutdown(backends)
    }

    @Test("a route timeout answers 504 when the backend is slower")
    func timeout() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .delay(.seconds(10)))
        try await harness.apply(
            Self.virtualService("  - route: [{destination: {host: app}}]\n    timeout: 200ms"), backends: backends)
        let started = ContinuousClock.now
        let response = try await ProxyClient.request(port: harness.port, "GET", "/", host: harness.host, group: harness.group)
        #expect(response.status == 504)
        #expect(ContinuousClock.now - started < .seconds(8), "answered by the 200 ms timeout, not the 10 s backend")
        await harness.shutdown(backends)
    }

    @Test("fault injection aborts with the configured status and delays requests")
    func faults() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        try await harness.apply(
            Self.virtualService("""
                  - match: [{uri: {prefix: /abort}}]
                    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                    route: [{destination: {host: app}}]
                  - match: [{uri: {prefix: /delay}}]
                    fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
                    route: [{destination: {host: app}}]
                """), backends: backends)
        let client = try await harness.client()
        #expect(try await client.send("GET", "/abort", host: harness.host).status == 418)
        #expect(backends[0].requestCount == 0)
        let started = ContinuousClock.now
        #expect(try await client.send("GET", "/delay", host: harness.host).status == 200)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("an unhealthy instance gets no traffic; with none healthy the answer is 503")
    func health() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2"])
        let vs = Self.virtualService("  - route: [{destination: {host: app}}]")
        try await harness.apply(vs, backends: backends, unhealthy: ["v2"])
        let client = try await harness.client()
        for _ in 0..<20 { #expect(try await client.send("GET", "/", host: harness.host).text == "v1") }
        try await harness.apply(vs, backends: backends, version: 2, unhealthy: ["v1", "v2"])
        #expect(try await client.send("GET", "/", host: harness.host).status == 503)
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("redirects, direct responses and rewrites")
    func redirectDirectRewrite() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        try await harness.apply(
            Self.virtualService("""
                  - match: [{uri: {prefix: /old}}]
                    redirect: {uri: /new, redirectCode: 302}
                  - match: [{uri: {exact: /ping}}]
                    directResponse: {status: 200, body: {string: pong}}
                  - match: [{uri: {prefix: /api/}}]
                    rewrite: {uri: /v2/}
                    route: [{destination: {host: app}}]
                """), backends: backends)
        let client = try await harness.client()
        let redirect = try await client.send("GET", "/old/page", host: harness.host)
        #expect(redirect.status == 302)
        #expect(redirect.header("location")?.hasSuffix("/new") == true)
        let direct = try await client.send("GET", "/ping", host: harness.host)
        #expect(direct.status == 200 && direct.text == "pong")
        #expect(try await client.send("GET", "/api/items?id=7", host: harness.host).status == 200)
        #expect(backends[0].received.last?.uri == "/v2/items?id=7")
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("request bodies reach the backend intact, with Content-Length or chunked", arguments: [0, 10, 100_000, 1_048_576, 1, 2])
    func bodies(size: Int) async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .echo)
        try await harness.apply(Self.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let client = try await harness.client()
        let plain = try await client.send("POST", "/upload", host: harness.host, body: body)
        #expect(plain.status == 200)
        #expect(plain.body == body)
        let chunked = try await client.send("POST", "/upload", host: harness.host, headers: [("transfer-encoding", "chunked")], body: body)
        #expect(chunked.status == 200)
        #expect(chunked.body == body)
        await client.close()
        await harness.shutdown(backends)
    }
}

@Suite("Gateway mirroring")
struct GatewayMirrorTests {
    @Test("the mirror receives a copy of each request with a -shadow authority; its answers never reach the client")
    func mirror() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2"], behaviour: .echo)
        backends[1].behaviour = .status(500)
        try await harness.apply(
            GatewayRoutingTests.virtualService("""
                  - route: [{destination: {host: app, subset: v1}}]
                    mirror: {host: app, subset: v2}
                    mirrorPercentage: {value: 100}
                """) + "\n---\n" + GatewayRoutingTests.subsets, backends: backends)
        let client = try await harness.client()
        for index in 0..<20 {
            let response = try await client.send("POST", "/m/\(index)", host: harness.host, body: Array("body \(index)".utf8))
            #expect(response.status == 200)
            #expect(response.text == "body \(index)")
        }
        await client.close()
        try await eventually("the mirror to receive 20 copies") { backends[1].requestCount == 20 }
        let copies = backends[1].received
        #expect(copies.allSatisfy { $0.header("host") == "app.example.com-shadow" })
        #expect(Set(copies.map { String(decoding: $0.body, as: UTF8.self) }) == Set((0..<20).map { "body \($0)" }))
        #expect(backends[0].requestCount == 20)
        await harness.shutdown(backends)
    }

    @Test("an httpsRedirect server answers 301 to https even for a host no VirtualService routes")
    func httpsRedirectWithoutRoutes() async throws {
        let harness = try await GatewayHarness()
        let port = try FreePort.take()
        let report = try await harness.apply(
            """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: redirect, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: http-redirect, protocol: HTTP}
                hosts: ["shop.example.com"]
                tls: {httpsRedirect: true}
            ---
            """ + "\n" + GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"), backends: [])
        #expect(report.failed.isEmpty, "\(report)")
        let response = try await ProxyClient.request(port: port, "GET", "/cart?x=1", host: "shop.example.com", group: harness.group)
        #expect(response.status == 301)
        #expect(response.header("location") == "https://shop.example.com/cart?x=1", "\(response)")
        await harness.shutdown()
    }
}
