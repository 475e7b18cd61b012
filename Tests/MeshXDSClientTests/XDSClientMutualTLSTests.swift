import Foundation
import MeshAPI
import MeshCA
import MeshCore
import MeshModel
import MeshTesting
import MeshXDSClient
import MeshXDSServer
import Testing

@Suite("The remote node's client over mutual TLS, and its certificate renewal", .timeLimit(.minutes(1)))
struct XDSClientMutualTLSTests {
    typealias F = XDSClientFixtures
    static let trustDomain = "node.test"

    /// A real meshbox CA: the ADS server's certificate (DNS name localhost, as the control plane's),
    /// renewal wired as meshbox wires it, and a node identity bought with a join token.
    struct PKI {
        let ca: CertificateAuthority
        let server: XDSServer.Security
        let node: NodeIdentity

        init(directory: TemporaryDirectory, options: CertificateAuthority.Options = .init()) async throws {
            ca = try CertificateAuthority(
                directory: directory.file("ca"), trustDomain: XDSClientMutualTLSTests.trustDomain, options: options)
            let issued = try await ca.issueListenerCertificate(dnsNames: ["localhost"], ttl: .seconds(3600))
            var tls = XDSServer.TLS(
                certificateChainPEM: issued.certificate.presentedChainPEM, privateKeyPEM: issued.privateKeyPEM,
                trustRootsPEM: await ca.trustBundlePEM(),
                nodeIdentity: { SPIFFEID.node($0, trustDomain: XDSClientMutualTLSTests.trustDomain).description })
            tls.renewNodeCertificate = { [ca] peer, csr in try await ca.renewNode(peerIdentity: peer, csrPEM: csr) }
            server = .mutualTLS(tls)
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
            let spiffeID = SPIFFEID.node("edge-1", trustDomain: XDSClientMutualTLSTests.trustDomain).description
            let (csr, key) = try CSRBuilder.make(spiffeID: spiffeID)
            let joined = try await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: csr)
            node = NodeIdentity(nodeName: "edge-1", issued: joined, privateKeyPEM: key)
        }
    }

    static let makeCSR: @Sendable (String) throws -> (csrPEM: String, privateKeyPEM: String) = { try CSRBuilder.make(spiffeID: $0) }

    @Test("the server's certificate is checked for the name given: localhost connects, another name never does")
    func serverName() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-client-tls")
        defer { directory.remove() }
        let pki = try await PKI(directory: directory)
        let watch = Watch(F.snapshot(version: 1, clusters: ["a": ["10.0.0.1"]]))
        try await F.serve(source: WatchSource(watch: watch), security: pki.server, translate: XDSServer.meshTranslation) { server, port in
            let wrong = try F.client(
                port: port, directory: TemporaryDirectory(prefix: "xds-client-wrong"),
                security: .mutualTLS(serverName: "control.example.com"), identity: pki.node)
            try await F.running(wrong) {
                try await eventually("two failed handshakes") { wrong.status.reconnects >= 2 }
                #expect(!wrong.status.connected)
                #expect(wrong.current == nil)
            }
            let client = try F.client(port: port, directory: directory, security: .mutualTLS(serverName: "localhost"), identity: pki.node)
            try await F.running(client) {
                let served = try await F.served(client) { $0.clusters.map(\.name) == ["a"] }
                // The server sends the mesh identity secrets bare; the node fills in its own.
                #expect(served.secret(named: "default")?.material?.privateKeyPEM == pki.node.privateKeyPEM)
                #expect(served.secret(named: "ROOTCA")?.material?.trustedCAsPEM == pki.node.trustBundlePEM)
                try await eventually("the server to see edge-1 in sync") { await server.status.node("edge-1")?.isInSync == true }
            }
        }
    }

    @Test("renewal: a fresh key's certificate over NodeCertificates.Renew, stored 0600, in the snapshot at once and used by the next connection")
    func renewal() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-client-tls")
        defer { directory.remove() }
        let pki = try await PKI(directory: directory)
        let watch = Watch(F.snapshot(version: 1, clusters: ["a": ["10.0.0.1"]]))
        try await F.serve(source: WatchSource(watch: watch), security: pki.server, translate: XDSServer.meshTranslation) { _, port in
            let client = try F.client(
                port: port, directory: directory, security: .mutualTLS(serverName: "localhost"), identity: pki.node,
                makeCSR: Self.makeCSR)
            let renewed = try await F.running(client) {
                _ = try await F.served(client) { !$0.clusters.isEmpty }
                let renewed = try await client.renewNow()
                #expect(renewed.privateKeyPEM != pki.node.privateKeyPEM)
                #expect(renewed.certificateChainPEM != pki.node.certificateChainPEM)
                #expect(renewed.spiffeID == pki.node.spiffeID)
                #expect(renewed.notAfter >= pki.node.notAfter)
                let served = try await F.served(client) { $0.secret(named: "default")?.material?.privateKeyPEM == renewed.privateKeyPEM }
                #expect(served.clusters.map(\.name) == ["a"])
                return renewed
            }
            let files = NodeFiles(dataDirectory: directory.path)
            #expect(try files.loadIdentity() == renewed)
            let attributes = try FileManager.default.attributesOfItem(atPath: files.identityPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            // The next process starts from the stored (newer) certificate, and the server takes it.
            let next = try F.client(port: port, directory: directory, security: .mutualTLS(serverName: "localhost"), identity: pki.node)
            #expect(next.identity == renewed)
            watch.send(F.snapshot(version: 2, clusters: ["b": ["10.0.0.2"]]))
            try await F.running(next) {
                _ = try await F.served(next) { $0.clusters.map(\.name) == ["b"] }
                #expect(next.status.connected)
            }
        }
    }

    @Test("the running client renews on its own at half its certificate's life and keeps serving")
    func scheduledRenewal() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-client-tls")
        defer { directory.remove() }
        // Node certificates for 4 s: the client renews about every 2 s.
        let pki = try await PKI(directory: directory, options: .init(defaultLeafTTL: .seconds(4)))
        #expect(pki.node.renewAt.timeIntervalSinceNow > 1 && pki.node.renewAt.timeIntervalSinceNow < 3)
        let watch = Watch(F.snapshot(version: 1, clusters: ["a": ["10.0.0.1"]]))
        try await F.serve(source: WatchSource(watch: watch), security: pki.server, translate: XDSServer.meshTranslation) { _, port in
            let client = try F.client(
                port: port, directory: directory, security: .mutualTLS(serverName: "localhost"), identity: pki.node,
                makeCSR: Self.makeCSR)
            try await F.running(client) {
                _ = try await F.served(client) { !$0.clusters.isEmpty }
                try await eventually("two renewals", timeout: .seconds(15)) {
                    client.identity.notAfter.timeIntervalSince(pki.node.notAfter) >= 2
                }
                #expect(client.identity.privateKeyPEM != pki.node.privateKeyPEM)
                // Past the first certificate's expiry: a change still arrives, and the node's
                // secrets carry the newest certificate.
                try await eventually("the joined certificate to expire", timeout: .seconds(10)) { Date() > pki.node.notAfter }
                watch.send(F.snapshot(version: 2, clusters: ["b": ["10.0.0.2"]]))
                let served = try await F.served(client) {
                    $0.clusters.map(\.name) == ["b"] && $0.secret(named: "default")?.material?.privateKeyPEM == client.identity.privateKeyPEM
                }
                #expect(served.secret(named: "default")?.material?.privateKeyPEM != pki.node.privateKeyPEM)
            }
        }
    }
}
