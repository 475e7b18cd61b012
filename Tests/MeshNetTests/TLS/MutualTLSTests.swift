import Foundation
import Logging
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOSSL
import Testing
import X509

enum BadClientCertificate: String, CaseIterable, Sendable {
    case expired, notYetValid, wrongTrustDomain, otherCA, noSPIFFEID
}

@Suite("Mutual TLS on 127.0.0.1")
struct MutualTLSTests {
    @Test("a CA-issued certificate is accepted and the server sees the client's SPIFFE ID")
    func acceptsMeshCertificate() async throws {
        let bed = try TLSTestBed()
        let server = try await bed.startServer(mode: .strict)
        let client = try bed.identity(for: try bed.authority.issue(spiffeID: "spiffe://mesh.local/ns/default/sa/web"))
        let result = try await bed.exchange(with: server, context: try client.makeClientContext())
        try await bed.shutdown(server)
        #expect(result.text == "hello spiffe://mesh.local/ns/default/sa/web, you said ping\n")
        #expect(bed.recorder.all.allSatisfy { $0.level < .warning })
    }

    @Test("a bad client certificate is refused with a clear reason", arguments: BadClientCertificate.allCases)
    func refusesBadCertificate(_ kind: BadClientCertificate) async throws {
        let bed = try TLSTestBed()
        let web = "spiffe://mesh.local/ns/default/sa/web"
        let now = Date()
        let leaf: TestPKI.Leaf
        let expected: String
        switch kind {
        case .expired:
            leaf = try bed.authority.issue(spiffeID: web, notValidBefore: now - 7200, notValidAfter: now - 3600)
            expected = "certificate expired at \(leaf.certificate.notValidAfter.formatted(.iso8601))"
        case .notYetValid:
            leaf = try bed.authority.issue(spiffeID: web, notValidBefore: now + 3600, notValidAfter: now + 7200)
            expected = "certificate not yet valid until \(leaf.certificate.notValidBefore.formatted(.iso8601))"
        case .wrongTrustDomain:
            leaf = try bed.authority.issue(spiffeID: "spiffe://other.domain/ns/default/sa/web")
            expected = "SPIFFE ID spiffe://other.domain/ns/default/sa/web is outside trust domain mesh.local"
        case .otherCA:
            leaf = try TestPKI.Authority(trustDomain: "mesh.local", commonName: "rogue").issue(spiffeID: web)
            expected = "certificate not issued by a trusted CA"
        case .noSPIFFEID:
            leaf = try bed.authority.issue(spiffeID: nil, dnsName: "web.example.com")
            expected = "no SPIFFE ID in certificate"
        }
        let server = try await bed.startServer(mode: .strict)
        // The client trusts the mesh CA (so it accepts the server) but presents the bad leaf.
        var client = try bed.identity(for: leaf)
        client.trustBundlePEM = try bed.authority.certificatePEM
        let result = try await bed.exchange(with: server, context: try client.makeClientContext())
        let rejection = try await bed.firstRejection()
        try await bed.shutdown(server)

        #expect(rejection.reason == expected)
        #expect(rejection.peerAddress?.contains("127.0.0.1") == true)
        #expect(!result.text.contains("hello"))
        let warning = bed.recorder.all.first { $0.level == .warning }
        #expect(warning?.metadata["tls.reason"] == expected)
        #expect(warning?.metadata["peer.address"]?.contains("127.0.0.1") == true)
    }

    @Test("a client without a certificate is refused by a mutual-TLS server")
    func refusesMissingClientCertificate() async throws {
        let bed = try TLSTestBed()
        let server = try await bed.startServer(mode: .strict)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(
            try NIOSSLCertificate.fromPEMBytes(Array(bed.authority.certificatePEM.utf8))
        )
        configuration.certificateVerification = .noHostnameVerification
        let result = try await bed.exchange(with: server, context: try NIOSSLContext(configuration: configuration))
        let rejection = try await bed.firstRejection()
        try await bed.shutdown(server)
        #expect(rejection.reason == "no client certificate presented")
        #expect(!result.text.contains("hello"))
    }

    @Test("plain text to a STRICT port is refused and the reason logged")
    func strictRefusesPlaintext() async throws {
        let bed = try TLSTestBed()
        let server = try await bed.startServer(mode: .strict)
        let result = try await bed.exchange(with: server, context: nil)
        let rejection = try await bed.firstRejection()
        try await bed.shutdown(server)
        #expect(result.text.isEmpty)
        #expect(rejection.reason == "plaintext connection refused: port requires mutual TLS (STRICT)")
        #expect(rejection.code == .plaintextRefused)
        let warning = bed.recorder.all.first { $0.level == .warning }
        #expect(warning?.metadata["tls.reason"] == "plaintext connection refused: port requires mutual TLS (STRICT)")
    }

    @Test("a PERMISSIVE port takes both plain text and mutual TLS")
    func permissiveTakesBoth() async throws {
        let bed = try TLSTestBed()
        let server = try await bed.startServer(mode: .permissive)
        let plain = try await bed.exchange(with: server, context: nil)
        let client = try bed.identity(for: try bed.authority.issue(spiffeID: "spiffe://mesh.local/ns/shop/sa/cart"))
        let secure = try await bed.exchange(with: server, context: try client.makeClientContext())
        try await bed.shutdown(server)
        #expect(plain.text == "hello plaintext, you said ping\n")
        #expect(secure.text == "hello spiffe://mesh.local/ns/shop/sa/cart, you said ping\n")
    }
}

@Suite("SPIFFEPeerVerifier")
struct SPIFFEPeerVerifierTests {
    @Test("checks validity at the injected time")
    func injectedTime() async throws {
        let authority = try TestPKI.Authority(trustDomain: "mesh.local")
        let leaf = try authority.issue(spiffeID: "spiffe://mesh.local/ns/default/sa/web")
        let later = leaf.certificate.notValidAfter + 60
        let verifier = SPIFFEPeerVerifier(
            trustDomain: "mesh.local",
            trustRoots: [authority.certificate],
            now: { later }
        )
        guard case .rejected(let rejection) = await verifier.verify(chain: [leaf.certificate]) else {
            Issue.record("an expired certificate was accepted")
            return
        }
        #expect(rejection.code == .expired)

        let current = SPIFFEPeerVerifier(trustDomain: "mesh.local", trustRoots: [authority.certificate])
        guard case .verified(let identity, let chain) = await current.verify(chain: [leaf.certificate]) else {
            Issue.record("a valid certificate was refused")
            return
        }
        #expect(identity.principal == "mesh.local/ns/default/sa/web")
        #expect(chain.count == 2)
    }
}
