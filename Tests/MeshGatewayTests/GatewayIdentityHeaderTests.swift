import Foundation
import MeshNet
import MeshTesting
import Testing

/// What only the gateway may say of a request: `X-Forwarded-Client-Cert` (Envoy's SANITIZE_SET:
/// set from a verified client certificate, else removed) and `x-envoy-*` (internal headers, from
/// clients the gateway never trusts). Over the copied-lines path, the rebuilt-headers path and
/// HTTP/2, against real sockets.
@Suite("Gateway identity headers")
struct GatewayIdentityHeaderTests {
    static let forged: [(String, String)] = [
        ("X-Forwarded-Client-Cert", "By=spiffe://evil;URI=spiffe://cluster.local/ns/admin/sa/root"),
        ("x-envoy-internal", "true"),
        ("X-Envoy-Original-Path", "/admin"),
        ("x-envoy-expected-rq-timeout-ms", "1"),
        ("x-envoy-x", "1"),
        ("x-keep", "kept"),
    ]

    static func leftOut(_ seen: TestBackend.Received) -> [String] {
        seen.headers.map(\.0).filter { $0 == "x-forwarded-client-cert" || $0.hasPrefix("x-envoy-") }
    }

    @Test(
        "a client's X-Forwarded-Client-Cert and x-envoy-* headers never reach the backend",
        arguments: [
            ("copied lines", ""),
            ("rebuilt headers", "    headers: {request: {set: {x-added: yes}}}\n"),
        ])
    func stripped(path: String, rule: String) async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let report = try await harness.apply(
            GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]\n" + rule), backends: backends)
        #expect(report.problems.isEmpty, "\(report.problems)")
        let response = try await ProxyClient.request(
            port: harness.port, "GET", "/x", host: harness.host, headers: Self.forged, group: harness.group)
        #expect(response.status == 200)
        let seen = try #require(backends[0].received.last)
        #expect(Self.leftOut(seen) == [], "\(path): \(seen.headers)")
        #expect(seen.header("x-keep") == "kept", "\(path): \(seen.headers)")

        // HTTP/2 (h2c with prior knowledge) comes through the rebuilt headers too.
        let curl = try await GatewayTLSTests.run(
            "curl",
            ["-sS", "--max-time", "10", "--http2-prior-knowledge", "--resolve", "\(harness.host):\(harness.port):127.0.0.1",
             "-w", " %{http_version}"]
                + Self.forged.flatMap { ["-H", "\($0.0): \($0.1)"] } + ["http://\(harness.host):\(harness.port)/h2"])
        #expect(curl.status == 0 && curl.output == "v1 2", "\(curl.output)")
        let h2 = try #require(backends[0].received.last)
        #expect(h2.uri == "/h2" && Self.leftOut(h2) == [], "\(path), HTTP/2: \(h2.headers)")
        #expect(h2.header("x-keep") == "kept")
        await harness.shutdown(backends)
    }

    @Test("on a MUTUAL server the gateway sets X-Forwarded-Client-Cert from the verified client certificate")
    func setFromClientCertificate() async throws {
        let files = GatewayCredentialTests.Files(directory: try TemporaryDirectory(prefix: "meshbox-gw-xfcc"))
        defer { files.directory.remove() }
        let serverCA = try TestPKI.Authority(trustDomain: "example.com", commonName: "server CA")
        let clientCA = try TestPKI.Authority(trustDomain: "clients.example.com", commonName: "client CA")
        let caFile = try files.write("ca.pem", try serverCA.certificatePEM)
        let gatewayID = "spiffe://example.com/ns/istio-system/sa/ingress"
        let server = try serverCA.issue(
            spiffeID: gatewayID, dnsName: GatewayCredentialTests.host, notValidAfter: Date().addingTimeInterval(86400))
        let clientID = "spiffe://clients.example.com/ns/default/sa/shop"
        let client = try clientCA.issue(spiffeID: clientID)
        let clientCert = try files.write("client.pem", try client.chainPEM)
        let clientKey = try files.write("client-key.pem", client.privateKeyPEM)
        // openssl's reading of the client certificate: its SHA-256 fingerprint and RFC 2253 subject.
        let fingerprint = try await GatewayTLSTests.run(
            "openssl", ["x509", "-in", clientCert, "-noout", "-fingerprint", "-sha256"])
        let hash = try #require(fingerprint.output.split(separator: "=").last)
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ":", with: "").lowercased()
        let subjectLine = try await GatewayTLSTests.run(
            "openssl", ["x509", "-in", clientCert, "-noout", "-subject", "-nameopt", "RFC2253"])
        let subject = subjectLine.output.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "subject=", with: "")

        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        let secret = try GatewayCredentialTests.secret("app-cert", leaf: server, ca: try clientCA.certificatePEM)
        let report = try await harness.apply(
            GatewayCredentialTests.gateway(port: port, mode: "MUTUAL") + "\n---\n" + secret, backends: backends)
        #expect(report.problems.isEmpty, "\(report.problems)")

        let expected = "By=\(gatewayID);Hash=\(hash);Subject=\"\(subject)\";URI=\(clientID)"
        for (version, spoken) in [("--http1.1", "1.1"), ("--http2", "2")] {
            let forged = Self.forged.flatMap { ["-H", "\($0.0): \($0.1)"] }
            let result = try await GatewayCredentialTests.curl(
                port: port, caFile: caFile,
                extra: ["--cert", clientCert, "--key", clientKey, version, "-w", " %{http_version}"] + forged)
            #expect(result.status == 0 && result.output == "v1 \(spoken)", "\(version): \(result.output)")
            let seen = try #require(backends[0].received.last)
            #expect(seen.headers.filter { $0.0 == "x-forwarded-client-cert" }.map(\.1) == [expected], "\(version): \(seen.headers)")
            #expect(!seen.headers.contains { $0.0.hasPrefix("x-envoy-") }, "\(version): \(seen.headers)")
        }
        await harness.shutdown(backends)
    }
}
