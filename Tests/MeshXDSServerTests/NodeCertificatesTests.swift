import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MeshAPI
import MeshCA
import MeshTesting
import MeshXDSProto
import Testing

@testable import MeshXDSServer

@Suite("NodeCertificates.Renew on the ADS listener", .timeLimit(.minutes(1)))
struct NodeCertificatesTests {
    typealias F = ADSFixtures
    static let trustDomain = ADSTestPKI.trustDomain

    /// Calls Renew over mutual TLS presenting `certificate`, with `csrPEM`.
    static func renew(
        port: Int, pki: ADSTestPKI, as certificate: (certificate: IssuedCertificate, keyPEM: String), csrPEM: String
    ) async throws -> Meshbox_V1_NodeCertificate {
        try await withGRPCClient(
            transport: .http2NIOPosix(
                target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: pki.clientSecurity(certificate))
        ) { client in
            var request = Meshbox_V1_RenewRequest()
            request.csrPem = csrPEM
            return try await Meshbox_V1_NodeCertificates.Client(wrapping: client).renew(request)
        }
    }

    static func node(_ name: String) -> String { SPIFFEID.node(name, trustDomain: trustDomain).description }

    @Test("a node renews its own certificate with a fresh key; the new one is recorded and is accepted by the listener")
    func renewsItself() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-renew")
        defer { directory.remove() }
        let pki = try await ADSTestPKI(directory: directory)
        let edge = try await pki.join("edge-1")
        try await ADSTestServer.with(SotWStreamMachineTests.mesh, security: pki.renewingServerSecurity) { _, _, port in
            let (csr, key) = try CSRBuilder.make(spiffeID: Self.node("edge-1"))
            let renewed = try await Self.renew(port: port, pki: pki, as: edge, csrPEM: csr)
            let leaf = try #require(try CertificateInfo.describe(pem: renewed.certificateChainPem).first)
            #expect(leaf.subjectAlternativeNames == ["URI:" + Self.node("edge-1")])
            #expect(leaf.serialNumber != edge.certificate.serialNumber)
            #expect(renewed.trustBundlePem == edge.certificate.trustBundlePEM)
            // The node lifetime: the CA's default leaf TTL (24 h), as a join gives.
            let lifetime = TimeInterval(renewed.notAfterUnixSeconds) - Date().timeIntervalSince1970
            #expect(lifetime > 23 * 3600 && lifetime <= 24 * 3600 + 2)
            let logged = await pki.ca.status().issued.first
            #expect(logged?.serialNumber == leaf.serialNumber)
            #expect(logged?.requester == "node:edge-1")

            // The renewed certificate (leaf + chain) and new key open an ADS stream as edge-1.
            let chain = renewed.certificateChainPem
            let fresh = IssuedCertificate(
                certificatePEM: chain, chainPEM: "", trustBundlePEM: renewed.trustBundlePem, spiffeID: Self.node("edge-1"),
                serialNumber: leaf.serialNumber, notBefore: Date(), notAfter: Date())
            let names = try await ADSTestClient.sotw(port: port, security: pki.clientSecurity((fresh, key))) { stream in
                try await stream.exchange(F.sotw(F.cluster, node: "edge-1")).names
            }
            #expect(names == ["a", "b"])
        }
    }

    @Test("another node's CSR, a workload certificate, or a CSR that is none are refused with why, and nothing is issued")
    func refusals() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-renew-refused")
        defer { directory.remove() }
        let pki = try await ADSTestPKI(directory: directory)
        let edge = try await pki.join("edge-1")
        _ = try await pki.join("edge-2")
        let workload = try await pki.issue("spiffe://\(Self.trustDomain)/ns/shop/sa/cart")
        try await ADSTestServer.with(SotWStreamMachineTests.mesh, security: pki.renewingServerSecurity) { _, _, port in
            let before = await pki.ca.status().issued.count

            let (otherCSR, _) = try CSRBuilder.make(spiffeID: Self.node("edge-2"))
            let other = await #expect(throws: RPCError.self) {
                try await Self.renew(port: port, pki: pki, as: edge, csrPEM: otherCSR)
            }
            #expect(other?.code == .permissionDenied)
            #expect(other?.message == "node edge-1 may renew only its own identity \(Self.node("edge-1")), not \(Self.node("edge-2"))")

            let (cartCSR, _) = try CSRBuilder.make(spiffeID: "spiffe://\(Self.trustDomain)/ns/shop/sa/cart")
            let asWorkload = await #expect(throws: RPCError.self) {
                try await Self.renew(port: port, pki: pki, as: workload, csrPEM: cartCSR)
            }
            #expect(asWorkload?.code == .permissionDenied)
            #expect(asWorkload?.message.contains("is not a node identity of trust domain xds.test") == true)

            let garbage = await #expect(throws: RPCError.self) {
                try await Self.renew(port: port, pki: pki, as: edge, csrPEM: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
            }
            #expect(garbage?.code == .invalidArgument)
            let empty = await #expect(throws: RPCError.self) {
                try await Self.renew(port: port, pki: pki, as: edge, csrPEM: "")
            }
            #expect(empty?.code == .invalidArgument)
            #expect(await pki.ca.status().issued.count == before)
        }
    }

    @Test("without a renewal configured the listener does not offer the service")
    func notOffered() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-renew-off")
        defer { directory.remove() }
        let pki = try await ADSTestPKI(directory: directory)
        let edge = try await pki.join("edge-1")
        try await ADSTestServer.with(SotWStreamMachineTests.mesh, security: pki.serverSecurity) { _, _, port in
            let (csr, _) = try CSRBuilder.make(spiffeID: Self.node("edge-1"))
            let error = await #expect(throws: RPCError.self) {
                try await Self.renew(port: port, pki: pki, as: edge, csrPEM: csr)
            }
            #expect(error?.code == .unimplemented)
        }
    }
}
