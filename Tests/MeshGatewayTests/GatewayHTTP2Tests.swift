import Foundation
import MeshNet
import MeshTesting
import Testing

/// HTTP/2 from clients: h2c with prior knowledge on an HTTP server and `h2` by ALPN on an HTTPS
/// server, checked with the real `curl` (nghttp2): requests multiplexed on one TLS connection,
/// request bodies, large responses through flow control, routing by header.
@Suite("Gateway HTTP/2 downstream")
struct GatewayHTTP2Tests {
    static let routes = GatewayRoutingTests.virtualService(
        """
          - match: [{headers: {x-version: {exact: v2}}}]
            route: [{destination: {host: app, subset: v2}}]
          - route: [{destination: {host: app, subset: v1}}]
        """) + "\n---\n" + GatewayRoutingTests.subsets

    @Test("h2c with prior knowledge: routed by header, bodies both ways, HTTP/1.1 on the same port")
    func h2cPriorKnowledge() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-gw-h2c")
        defer { directory.remove() }
        let accessLog = directory.path + "/access.log"
        let harness = try await GatewayHarness(accessLog: try AccessLogTarget(path: accessLog))
        let backends = try await harness.backends(["v1", "v2"])
        let report = try await harness.apply(Self.routes, backends: backends)
        #expect(report.failed.isEmpty, "\(report)")
        let base = "http://\(harness.host):\(harness.port)"
        let resolve = "\(harness.host):\(harness.port):127.0.0.1"
        // One request per curl run: Debian 12's curl 7.88.1 breaks when it reuses a
        // prior-knowledge connection (curl#10634); multiplexing is checked over TLS below.
        let curl = try await GatewayTLSTests.run(
            "curl",
            ["-sS", "--max-time", "10", "--http2-prior-knowledge", "--resolve", resolve, "-H", "x-version: v2",
             "-w", " %{http_version} %{response_code}", "\(base)/a"])
        #expect(curl.status == 0 && curl.output == "v2 2 200", "\(curl.output)")
        // Without the header, v1; the backend saw HTTP/1.1 with the original authority.
        let plain = try await GatewayTLSTests.run(
            "curl", ["-sS", "--max-time", "10", "--http2-prior-knowledge", "--resolve", resolve, "-w", " %{http_version}", "\(base)/d"])
        #expect(plain.output == "v1 2", "\(plain.output)")
        let seen = try #require(backends[0].received.last)
        #expect(seen.uri == "/d" && seen.header("host") == "\(harness.host):\(harness.port)", "\(seen.headers)")

        // A request body reaches the backend (chunked upstream: HTTP/2 sends no Content-Length
        // here), and 1 MiB comes back through HTTP/2 flow control.
        backends[0].behaviour = .echo
        let body = String(repeating: "0123456789abcdef", count: 4096)  // 64 KiB
        let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("h2-body-\(UUID().uuidString)")
        try body.write(to: bodyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bodyFile) }
        let echo = try await GatewayTLSTests.run(
            "curl",
            ["-sS", "--max-time", "10", "--http2-prior-knowledge", "--resolve", resolve, "-H", "content-type: text/plain",
             "-H", "transfer-encoding:", "--data-binary", "@\(bodyFile.path)", "\(base)/echo"])
        #expect(echo.status == 0 && echo.output == body, "echo: \(echo.output.prefix(200))")
        backends[0].behaviour = .size(1 << 20)
        let large = try await GatewayTLSTests.run(
            "curl", ["-sS", "--max-time", "10", "--http2-prior-knowledge", "--resolve", resolve, "-o", "/dev/null",
                     "-w", "%{size_download} %{http_version}", "\(base)/large"])
        #expect(large.output == "\(1 << 20) 2", "\(large.output)")

        // The access log names the protocol as Envoy does.
        try await eventually("the access log line of /d", timeout: .seconds(15)) {
            let text = (try? String(contentsOfFile: accessLog, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").contains { $0.contains("\"path\":\"/d\"") && $0.contains("\"protocol\":\"HTTP/2\"") }
        }
        // HTTP/1.1 still works on the same port.
        let http1 = try await GatewayTLSTests.run("curl", ["-sS", "--max-time", "10", "--resolve", resolve, "-w", " %{http_version}", "\(base)/e"])
        #expect(http1.output.hasSuffix(" 1.1") && http1.status == 0, "\(http1.output)")
        await harness.shutdown(backends)
    }

    @Test("HTTPS offers h2 by ALPN: curl speaks HTTP/2 over TLS, an HTTP/1.1-only client still works")
    func alpnH2() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-gw-h2")
        defer { directory.remove() }
        let authority = try TestPKI.Authority(trustDomain: "example.com", commonName: "test CA")
        let leaf = try authority.issue(spiffeID: nil, dnsName: "app.example.com")
        let cert = directory.path + "/app.pem"
        let key = directory.path + "/app-key.pem"
        let caFile = directory.path + "/ca.pem"
        try leaf.chainPEM.write(toFile: cert, atomically: true, encoding: .utf8)
        try leaf.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        try authority.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)

        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1", "v2"])
        let port = try FreePort.take()
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: tls, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: https, protocol: HTTPS}
                hosts: ["app.example.com"]
                tls: {mode: SIMPLE, serverCertificate: "\(cert)", privateKey: "\(key)"}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: tls-app, namespace: default}
            spec:
              hosts: ["app.example.com"]
              gateways: ["tls"]
              http:
              - match: [{headers: {x-version: {exact: v2}}}]
                route: [{destination: {host: app, subset: v2}}]
              - route: [{destination: {host: app, subset: v1}}]
            """
        let report = try await harness.apply(yaml + "\n---\n" + Self.routes, backends: backends)
        #expect(report.failed.isEmpty && report.problems.isEmpty, "\(report)")
        let base = "https://app.example.com:\(port)"
        let resolve = "app.example.com:\(port):127.0.0.1"
        let curl = try await GatewayTLSTests.run(
            "curl",
            ["-sS", "--max-time", "10", "--http2", "--cacert", caFile, "--resolve", resolve,
             "-w", " %{http_version} %{num_connects}\n", "\(base)/a", "-H", "x-version: v2", "\(base)/b"])
        #expect(curl.output == "v2 2 1\nv2 2 0\n", "\(curl.output)")
        let http1 = try await GatewayTLSTests.run(
            "curl", ["-sS", "--max-time", "10", "--http1.1", "--cacert", caFile, "--resolve", resolve, "-w", " %{http_version}", "\(base)/c"])
        #expect(http1.output == "v1 1.1", "\(http1.output)")
        let alpn = try await GatewayTLSTests.run(
            "sh", ["-c", "openssl s_client -connect 127.0.0.1:\(port) -servername app.example.com -alpn h2,http/1.1 </dev/null 2>/dev/null | grep -a -i 'ALPN'"])
        #expect(alpn.output.contains("ALPN protocol: h2"), "\(alpn.output)")
        await harness.shutdown(backends)
    }
}
