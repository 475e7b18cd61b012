import Foundation
import MeshModel
import MeshNet
import MeshTesting
import Testing

/// HTTP/2 over TLS to upstreams: ALPN `h2` offered and taken, and HTTP/1.1 when the server only
/// speaks that (as Envoy's `auto` protocol would, for an `http2` cluster that meets an HTTP/1.1 server).
@Suite("HTTP/2 upstreams over TLS")
struct HTTP2UpstreamTLSTests {
    /// SIMPLE TLS trusting `authority`, as the compiler writes `caCertificates`.
    static func simpleTLS(_ authority: TestPKI.Authority, in directory: TemporaryDirectory) throws
        -> (Snapshot.UpstreamTLS, [Snapshot.SecretReference])
    {
        let path = directory.path + "/ca.pem"
        try authority.certificatePEM.write(toFile: path, atomically: true, encoding: .utf8)
        let ca = Snapshot.SecretReference(name: "file-root:\(path)", kind: .validationContext, source: .caFile(path))
        return (.init(mode: .simple, caSecretName: ca.name), [ca])
    }

    @Test("ALPN h2: requests arrive over HTTP/2 and share one TLS connection")
    func alpnH2() async throws {
        let bed = try HTTP2UpstreamBed()
        let authority = try TestPKI.Authority(trustDomain: "upstream.test")
        let leaf = try authority.issue(spiffeID: nil, dnsName: HTTP2UpstreamBed.serviceHost)
        let backend = try await HTTP2TestBackend.start(name: "tls-h2", leaf: leaf, group: bed.clients)
        let (tls, secrets) = try Self.simpleTLS(authority, in: bed.directory)
        let report = await bed.apply(.init(tls: tls, secrets: secrets), backends: [backend.port])
        #expect(report.problems.isEmpty, "\(report.problems)")
        let responses = try await bed.concurrent(8, delayMs: 300)
        #expect(responses.allSatisfy { $0.status == 200 && $0.text == "tls-h2" }, "\(responses)")
        #expect(try await bed.get("/later").status == 200)
        #expect(backend.requests.count == 9 && backend.requests.allSatisfy { $0.version == "HTTP/2" })
        #expect(backend.connectionCount == 1, "\(backend.connectionCount) TLS connections")
        await bed.shutdown([backend])
    }

    @Test("a TLS server that selects HTTP/1.1 gets HTTP/1.1 from an http2 cluster, with pooled connections")
    func fallBackToHTTP1() async throws {
        let bed = try HTTP2UpstreamBed()
        let authority = try TestPKI.Authority(trustDomain: "upstream.test")
        let leaf = try authority.issue(spiffeID: nil, dnsName: HTTP2UpstreamBed.serviceHost)
        // TLSBackend offers only ALPN http/1.1.
        let backend = try await TLSBackend.start(name: "tls-h1", leaf: leaf, group: bed.clients)
        let (tls, secrets) = try Self.simpleTLS(authority, in: bed.directory)
        await bed.apply(.init(tls: tls, secrets: secrets), backends: [backend.port])
        for index in 0..<4 {
            let response = try await bed.get("/h1-\(index)")
            #expect(response.status == 200 && response.text == "tls-h1", "\(response)")
        }
        #expect(backend.requestCount == 4)
        #expect(backend.connectionCount == 1, "\(backend.connectionCount) connections: the first one is kept")
        await backend.stop()
        await bed.shutdown()
    }
}
