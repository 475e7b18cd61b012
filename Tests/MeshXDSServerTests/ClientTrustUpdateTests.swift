import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MeshAPI
import MeshCA
import MeshTesting
import Testing

@testable import MeshXDSServer

@Suite("The ADS listener follows the mesh trust bundle", .timeLimit(.minutes(1)))
struct ClientTrustUpdateTests {
    typealias F = ADSFixtures

    @Test("a node of a root not yet trusted is refused; once the bundle has the root, new connections are served; a dropped root is refused")
    func followsBundle() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-trust")
        defer { directory.remove() }
        let pki = try await ADSTestPKI(directory: directory)
        // A second CA of the same trust domain stands for the root a rotation brings.
        let other = try CertificateAuthority(directory: directory.file("other-ca"), trustDomain: ADSTestPKI.trustDomain)
        let oldRootNode = try await pki.join("edge-old")
        let (csr, key) = try CSRBuilder.make(spiffeID: SPIFFEID.node("edge-new", trustDomain: ADSTestPKI.trustDomain).description)
        let newRootNode = (certificate: try await other.sign(csrPEM: csr, ttl: .seconds(600), requester: .admin), keyPEM: key)
        let oldBundle = await pki.ca.trustBundlePEM()
        let newBundle = await other.trustBundlePEM()

        let (bundles, bundle) = AsyncStream.makeStream(of: String.self)
        guard case .mutualTLS(var tls) = pki.serverSecurity else { throw TestFailure("mutual TLS expected") }
        tls.trustBundleUpdates = bundles
        // The client trusts the server's (old) root, whatever the node's certificate.
        let asNew = pki.clientSecurity(newRootNode)
        try await ADSTestServer.with(SotWStreamMachineTests.mesh, security: .mutualTLS(tls)) { _, _, port in
            func served(_ node: String, _ security: HTTP2ClientTransport.Posix.TransportSecurity) async -> Bool {
                (try? await ADSTestClient.sotw(port: port, security: security) { stream in
                    try await stream.exchange(F.sotw(F.cluster, node: node)).names
                }) == ["a", "b"]
            }
            #expect(await served("edge-old", pki.clientSecurity(oldRootNode)))
            #expect(!(await served("edge-new", asNew)), "a node of an untrusted root was served")

            bundle.yield(oldBundle + newBundle)
            try await eventually("the node of the new root served") { await served("edge-new", asNew) }
            #expect(await served("edge-old", pki.clientSecurity(oldRootNode)))

            bundle.yield(newBundle)
            try await eventually("the node of the dropped root refused") {
                !(await served("edge-old", pki.clientSecurity(oldRootNode)))
            }
            #expect(await served("edge-new", asNew))
        }
        await other.close()
    }
}
