import MeshNet
import MeshTesting
import NIOCore
import NIOSSL
import Testing

/// Who and what the tunnel server lets in: only mesh certificates, only CONNECT to `ip:port`.
@Suite("Tunnel admission")
struct TunnelAdmissionTests {
    @Test("a client without a certificate is refused during the handshake and no stream reaches the decision")
    func clientWithoutCertificate() async throws {
        try await TunnelTestBed.with { bed in
            let (server, listener) = try await bed.startServer()
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv13
            configuration.applicationProtocols = ["h2"]
            configuration.certificateVerification = .none
            let client = try await H2TestClient.connect(
                port: try #require(listener.localAddress?.port), group: bed.group,
                tls: try NIOSSLContext(configuration: configuration))
            // The write may already fail: TLS 1.3 refuses the certificate after the client's handshake.
            let stream = try? await client.open([(":method", "CONNECT"), (":authority", "127.0.0.1:9")])
            let rejection = try await bed.firstRejection()
            #expect(rejection.code == .noCertificate)
            try await bed.awaitClose(of: client.channel, "the server to close the connection")
            #expect(stream?.status == nil)
            #expect(server.stats.streams == 0)
        }
    }

    @Test("a client whose certificate comes from a foreign CA is refused, and its open fails")
    func clientFromForeignCA() async throws {
        try await TunnelTestBed.with { bed in
            let (server, listener) = try await bed.startServer()
            let foreign = try TestPKI.Authority(trustDomain: TunnelTestBed.trustDomain, commonName: "rogue CA")
            let credentials = try bed.credentials(TunnelTestBed.clientID, issuer: foreign)
            let echo = try await bed.startEcho()
            let opened = bed.pool().open(
                target: try #require(echo.localAddress), node: try #require(listener.localAddress),
                credentials: credentials)
            await #expect(throws: TunnelError.self) { try await opened.get() }
            let rejection = try await bed.firstRejection()
            #expect(rejection.code == .untrustedIssuer)
            #expect(server.stats.streams == 0)
        }
    }

    @Test(
        "a request that is not CONNECT to ip:port gets an error status",
        arguments: [
            ([(":method", "GET"), (":scheme", "https"), (":path", "/"), (":authority", "127.0.0.1:80")], "405"),
            ([(":method", "POST"), (":scheme", "https"), (":path", "/x"), (":authority", "127.0.0.1:80")], "405"),
            ([(":method", "CONNECT"), (":authority", "reviews.shop:9080")], "400"),
            ([(":method", "CONNECT"), (":authority", "127.0.0.1")], "400"),
            ([(":method", "CONNECT"), (":authority", "127.0.0.1:0")], "400"),
        ])
    func notConnect(headers: [(String, String)], status: String) async throws {
        try await TunnelTestBed.with { bed in
            let (server, listener) = try await bed.startServer()
            let client = try await H2TestClient.connect(
                port: try #require(listener.localAddress?.port), group: bed.group,
                tls: try bed.credentials(TunnelTestBed.clientID).clientContext)
            let stream = try await client.open(headers, endStream: headers[0].1 != "CONNECT")
            try await eventually("the answer") { stream.ended || stream.isClosed }
            #expect(stream.status == status)
            #expect(server.stats.streams == 0)
            await client.close()
        }
    }
}
