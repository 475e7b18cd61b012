import Foundation
import MeshNet
import MeshTesting
import Testing

/// AuthorizationPolicy enforced by the real gateway on real connections (north-south traffic):
/// Istio's order, 403 `RBAC: access denied` with flag `RBAC`, policies that apply by namespace and
/// selector, changes on the next snapshot without dropping connections, and principals from
/// client certificates on a MUTUAL server.
@Suite("Gateway AuthorizationPolicy")
struct GatewayAuthorizationTests {
    static func policy(_ name: String, in namespace: String = "default", _ spec: String) -> String {
        GatewayHarness.authorizationPolicy(name, in: namespace, spec)
    }

    /// Status codes of `requests` (method, path, headers) on one keep-alive connection; -1 where
    /// the connection closed without an answer (then the next request opens a new one).
    static func statuses(
        _ harness: GatewayHarness,
        _ requests: [(String, String, [(String, String)])]
    ) async throws -> [Int] {
        var client = try await harness.client()
        var statuses: [Int] = []
        for (method, path, headers) in requests {
            do {
                let response = try await client.send(method, path, host: harness.host, headers: headers)
                if response.status == 403 { #expect(response.text == "RBAC: access denied") }
                statuses.append(response.status)
            } catch {
                statuses.append(-1)
                await client.close()
                client = try await harness.client()
            }
        }
        await client.close()
        return statuses
    }

    @Test("ALLOW by path and method; some ALLOW policy and none matching is 403, before any routing")
    func allowByPathAndMethod() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let report = try await harness.serveExactly(
            harness.authorizationGateway()
                + Self.policy(
                    "public-reads",
                    "{rules: [{to: [{operation: {paths: [\"/public/*\"], methods: [GET, HEAD]}}]}]}"
                ),
            backends: backends
        )
        #expect(report.problems.isEmpty, "\(report.problems)")
        let statuses = try await Self.statuses(
            harness,
            [
                ("GET", "/public/a?x=1", []), ("POST", "/public/a", [("content-length", "0")]), ("GET", "/private", []),
                ("GET", "/public/../private", []), ("GET", "/no/such/route/either", []),
            ]
        )
        #expect(statuses == [200, 403, 403, 403, 403])
        #expect(backends[0].received.map(\.uri) == ["/public/a?x=1"])
        await harness.shutdown(backends)
    }

    @Test("DENY is decided before ALLOW; with no ALLOW policy everything else is allowed")
    func denyBeforeAllow() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let deny = Self.policy("deny-admin", "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}")
        try await harness.serveExactly(
            harness.authorizationGateway() + Self.policy("allow-all", "{rules: [{}]}") + deny,
            backends: backends
        )
        #expect(try await Self.statuses(harness, [("GET", "/admin/users", []), ("GET", "/shop", [])]) == [403, 200])
        // Only the DENY policy: no ALLOW policy applies, so what it does not deny is allowed.
        try await harness.serveExactly(harness.authorizationGateway() + deny, backends: backends, version: 2)
        #expect(try await Self.statuses(harness, [("GET", "/admin", []), ("DELETE", "/anything", [])]) == [403, 200])
        await harness.shutdown(backends)
    }

    @Test("ipBlocks match the peer address: 127.0.0.1 is allowed, another CIDR is not")
    func ipBlocks() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        try await harness.serveExactly(
            harness.authorizationGateway()
                + Self.policy("loopback", "{rules: [{from: [{source: {ipBlocks: [\"127.0.0.1\"]}}]}]}"),
            backends: backends
        )
        #expect(try await Self.statuses(harness, [("GET", "/", [])]) == [200])
        try await harness.serveExactly(
            harness.authorizationGateway()
                + Self.policy("lan", "{rules: [{from: [{source: {ipBlocks: [\"10.0.0.0/8\"]}}]}]}"),
            backends: backends,
            version: 2
        )
        // A forged X-Forwarded-For does not change the peer address.
        #expect(try await Self.statuses(harness, [("GET", "/", [("x-forwarded-for", "10.1.2.3")])]) == [403])
        await harness.shutdown(backends)
    }

    @Test("remoteIpBlocks read X-Forwarded-For only through the trusted proxies")
    func remoteIPBlocks() async throws {
        var settings = ProxySettings()
        settings.numTrustedProxies = 1
        let harness = try await GatewayHarness(settings: settings)
        let backends = try await harness.backends(["v1"])
        try await harness.serveExactly(
            harness.authorizationGateway()
                + Self.policy("office", "{rules: [{from: [{source: {remoteIpBlocks: [\"203.0.113.0/24\"]}}]}]}"),
            backends: backends
        )
        let statuses = try await Self.statuses(
            harness,
            [
                ("GET", "/", [("x-forwarded-for", "203.0.113.7")]),
                ("GET", "/", [("x-forwarded-for", "203.0.113.7, 198.51.100.1")]),
                ("GET", "/", []),
            ]
        )
        #expect(statuses == [200, 403, 403])
        await harness.shutdown(backends)
    }

    @Test("when request.headers conditions")
    func headerCondition() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        try await harness.serveExactly(
            harness.authorizationGateway()
                + Self.policy(
                    "api-key",
                    "{rules: [{when: [{key: \"request.headers[X-Api-Key]\", values: [\"key-*\"]}]}]}"
                ),
            backends: backends
        )
        let statuses = try await Self.statuses(
            harness,
            [("GET", "/", [("x-api-key", "key-123")]), ("GET", "/", [("x-api-key", "nope")]), ("GET", "/", [])]
        )
        #expect(statuses == [200, 403, 403])
        await harness.shutdown(backends)
    }

    @Test("AUDIT never changes the outcome; audits and denials are logged with the reason")
    func auditAndLogs() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let recorder = AuthorizationLogRecorder()
        let plane = DataPlane(group: harness.group, logger: recorder.logger)
        try await GatewayHarness.serveExactly(
            harness.authorizationGateway()
                + Self.policy("audit-all", "{action: AUDIT, rules: [{}]}")
                + Self.policy("reads", "{rules: [{to: [{operation: {methods: [GET]}}]}]}"),
            backends: backends,
            on: plane
        )
        #expect(try await Self.statuses(harness, [("GET", "/a", []), ("POST", "/b", [])]) == [200, 403])
        let audits = recorder.all.filter { $0.message == "Request matched an AUDIT AuthorizationPolicy" }
        #expect(audits.map { $0.metadata["url.path"] } == ["/a", "/b"])
        #expect(audits.map { $0.metadata["authz.allowed"] } == ["true", "false"])
        #expect(audits.allSatisfy { $0.metadata["authz.audited"] == "default/audit-all" })
        let denial = try #require(recorder.all.first { $0.message == "Request denied by AuthorizationPolicy" })
        #expect(denial.metadata["authz.reason"] == "no ALLOW policy matched (1 ALLOW policy applies)")
        #expect(denial.metadata["http.method"] == "POST")
        await plane.shutdown()
        await harness.shutdown(backends)
    }

    @Test("policies of another namespace or with a selector not matching the Gateway do not apply")
    func applicability() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let gateway = harness.authorizationGateway(namespace: "edge", selector: ["istio": "ingressgateway"])
        try await harness.serveExactly(
            gateway
                + Self.policy("other-namespace", in: "default", "{action: DENY, rules: [{}]}")
                + Self.policy(
                    "other-workload",
                    in: "edge",
                    "{selector: {matchLabels: {istio: egress}}, action: DENY, rules: [{}]}"
                )
                + Self.policy(
                    "this-workload",
                    in: "edge",
                    "{selector: {matchLabels: {istio: ingressgateway}}, action: DENY, rules: [{to: [{operation: {paths: [\"/x\"]}}]}]}"
                )
                + Self.policy(
                    "mesh",
                    in: "istio-system",
                    "{action: DENY, rules: [{to: [{operation: {paths: [\"/y\"]}}]}]}"
                ),
            backends: backends
        )
        #expect(
            try await Self.statuses(harness, [("GET", "/", []), ("GET", "/x", []), ("GET", "/y", [])]) == [
                200, 403, 403,
            ]
        )
        await harness.shutdown(backends)
    }

    @Test("a policy change takes effect on the next snapshot, on the same open connection")
    func policyChange() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        try await harness.serveExactly(harness.authorizationGateway(), backends: backends)
        let client = try await harness.client()
        #expect(try await client.send("GET", "/", host: harness.host).status == 200)
        try await harness.serveExactly(
            harness.authorizationGateway() + Self.policy("deny-all", "{action: DENY, rules: [{}]}"),
            backends: backends,
            version: 2
        )
        #expect(try await client.send("GET", "/", host: harness.host).status == 403)
        #expect(client.isActive)
        try await harness.serveExactly(harness.authorizationGateway(), backends: backends, version: 3)
        #expect(try await client.send("GET", "/", host: harness.host).status == 200)
        #expect(client.isActive)
        await client.close()
        #expect(backends[0].requestCount == 2)
        await harness.shutdown(backends)
    }

    @Test("a denied request is logged in the access log with 403 and flag RBAC")
    func accessLog() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-gw-authz")
        defer { directory.remove() }
        let path = directory.path + "/access.log"
        let harness = try await GatewayHarness(accessLog: try AccessLogTarget(path: path))
        let backends = try await harness.backends(["v1"])
        try await harness.serveExactly(
            harness.authorizationGateway() + Self.policy("deny-all", "{action: DENY, rules: [{}]}"),
            backends: backends
        )
        #expect(try await Self.statuses(harness, [("GET", "/secret", [])]) == [403])
        try await eventually("the access log line", timeout: .seconds(15)) {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.contains("\"path\":\"/secret\"") && text.contains("\"response_code\":403")
                && text.contains("\"response_flags\":\"RBAC\"")
        }
        await harness.shutdown(backends)
    }

    @Test("on a MUTUAL server, principals and namespaces match the client certificate's SPIFFE ID")
    func principals() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-gw-authz-mtls")
        defer { directory.remove() }
        let authority = try TestPKI.Authority(trustDomain: "cluster.local", commonName: "test CA")
        func write(_ leaf: TestPKI.Leaf, _ name: String) throws -> (String, String) {
            let cert = directory.path + "/\(name).pem"
            let key = directory.path + "/\(name)-key.pem"
            try leaf.chainPEM.write(toFile: cert, atomically: true, encoding: .utf8)
            try leaf.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
            return (cert, key)
        }
        let server = try write(try authority.issue(spiffeID: nil, dnsName: "app.example.com"), "server")
        let web = try write(try authority.issue(spiffeID: "spiffe://cluster.local/ns/shop/sa/web"), "web")
        let other = try write(try authority.issue(spiffeID: "spiffe://cluster.local/ns/other/sa/job"), "other")
        let caFile = directory.path + "/ca.pem"
        try authority.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)

        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              servers:
              - port: {number: \(harness.port), name: https, protocol: HTTPS}
                hosts: ["app.example.com"]
                tls: {mode: MUTUAL, serverCertificate: "\(server.0)", privateKey: "\(server.1)", caCertificates: "\(caFile)"}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: app, namespace: default}
            spec:
              hosts: ["app.example.com"]
              gateways: ["gw"]
              http:
              - route: [{destination: {host: app}}]

            """
            + Self.policy("shop-web", "{rules: [{from: [{source: {principals: [\"cluster.local/ns/shop/sa/web\"]}}]}]}")
            + Self.policy(
                "shop-reads",
                "{rules: [{from: [{source: {namespaces: [shop]}}], to: [{operation: {methods: [GET]}}]}]}"
            )
            + Self.policy(
                "no-deletes-but-shop",
                "{action: DENY, rules: [{from: [{source: {notNamespaces: [shop]}}], to: [{operation: {methods: [DELETE]}}]}]}"
            )
        let report = try await harness.serveExactly(yaml, backends: backends)
        #expect(report.problems.isEmpty, "\(report.problems)")
        // Over HTTP/1.1 and over HTTP/2 (ALPN h2), where the identity is the stream's parent connection's.
        func curl(_ client: (String, String), _ method: String, _ version: String) async throws -> String {
            try await GatewayTLSTests.run(
                "curl",
                [
                    "-sS", "--max-time", "10", version, "--cacert", caFile, "--cert", client.0, "--key", client.1,
                    "-X", method, "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                    "--resolve", "app.example.com:\(harness.port):127.0.0.1",
                    "https://app.example.com:\(harness.port)/x",
                ]
            ).output
        }
        // Two requests on one connection: the second reads the identity the first one memoised.
        func twice(_ client: (String, String), _ version: String) async throws -> String {
            let base = "https://app.example.com:\(harness.port)"
            return try await GatewayTLSTests.run(
                "curl",
                [
                    "-sS", "--max-time", "10", version, "--cacert", caFile, "--cert", client.0, "--key", client.1,
                    "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects},",
                    "--resolve", "app.example.com:\(harness.port):127.0.0.1", "\(base)/a", "\(base)/b",
                ]
            ).output
        }
        for (version, name) in [("--http1.1", "1.1"), ("--http2", "2")] {
            #expect(try await twice(web, version) == "200 1,200 0,")
            #expect(try await twice(other, version) == "403 1,403 0,")
            #expect(try await curl(web, "GET", version) == "200 \(name)")
            #expect(try await curl(web, "DELETE", version) == "200 \(name)")
            #expect(try await curl(other, "GET", version) == "403 \(name)")
            #expect(try await curl(other, "DELETE", version) == "403 \(name)")
        }
        await harness.shutdown(backends)
    }
}
