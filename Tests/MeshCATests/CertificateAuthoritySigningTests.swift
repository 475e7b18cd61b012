import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Testing
import X509

@testable import MeshCA

@Suite("CertificateAuthority signing")
struct CertificateAuthoritySigningTests {
    @Test("an issued leaf verifies against the bundle and carries the SPIFFE URI SAN")
    func issuedLeafVerifies() async throws {
        try await withCA { ca, clock, _ in
            let id = workload("default", "web")
            let issued = try await ca.sign(csrPEM: try csr(id), ttl: nil, requester: .admin)
            #expect(issued.spiffeID == id)
            #expect(issued.chainPEM.isEmpty)
            let chain = try #require(try await verifiedChain(issued, at: clock.now))
            #expect(chain.count == 2)
            let leaf = try Certificate(pemEncoded: issued.certificatePEM)
            let sans = Array(try leaf.extensions.subjectAlternativeNames ?? SubjectAlternativeNames())
            #expect(sans == [.uniformResourceIdentifier(id)])
            #expect(leaf.extensions[oid: .X509ExtensionID.subjectAlternativeName]?.critical == true)
            #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
            #expect(try leaf.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
            #expect(try leaf.extensions.authorityKeyIdentifier != nil)
            #expect(leaf.serialHex == issued.serialNumber)
            // notBefore allows for clock skew.
            #expect(abs(issued.notBefore.timeIntervalSince(clock.now) + 60) < 1)
            // Not valid once expired.
            #expect(try await verifiedChain(issued, at: issued.notAfter.addingTimeInterval(1)) == nil)
        }
    }

    @Test("TTL defaults to 24h, is honoured up to the maximum and refused above it")
    func ttlRules() async throws {
        try await withCA(options: .init(maxLeafTTL: .seconds(48 * 3600))) { ca, clock, _ in
            let id = workload("default", "web")
            let byDefault = try await ca.sign(csrPEM: try csr(id), ttl: nil, requester: .admin)
            #expect(abs(byDefault.notAfter.timeIntervalSince(clock.now) - 24 * hour) < 1)
            let short = try await ca.sign(csrPEM: try csr(id), ttl: .seconds(3600), requester: .admin)
            #expect(abs(short.notAfter.timeIntervalSince(clock.now) - hour) < 1)
            let longest = try await ca.sign(csrPEM: try csr(id), ttl: .seconds(48 * 3600), requester: .admin)
            #expect(abs(longest.notAfter.timeIntervalSince(clock.now) - 48 * hour) < 1)
            await expectMeshError(.invalidArgument) {
                _ = try await ca.sign(csrPEM: try csr(id), ttl: .seconds(48 * 3600 + 1), requester: .admin)
            }
            await expectMeshError(.invalidArgument) {
                _ = try await ca.sign(csrPEM: try csr(id), ttl: .zero, requester: .admin)
            }
        }
    }

    enum BadCSR: String, CaseIterable, Sendable {
        case foreignTrustDomain, noSAN, dnsSANOnly, twoSANs, badSignature, notPEM, notIstioPath
    }

    @Test("refuses a CSR that is malformed or asks for no, several or foreign identities", arguments: BadCSR.allCases)
    func refusesBadCSR(_ kind: BadCSR) async throws {
        let pem: String
        switch kind {
        case .foreignTrustDomain: pem = try csr("spiffe://other.test/ns/default/sa/web")
        case .noSAN: pem = try Self.makeCSR(names: nil)
        case .dnsSANOnly: pem = try Self.makeCSR(names: [.dnsName("web.default.svc")])
        case .twoSANs:
            pem = try Self.makeCSR(names: [.uniformResourceIdentifier(workload("a", "b")), .uniformResourceIdentifier(workload("c", "d"))])
        case .badSignature: pem = try Self.forgedCSR(workload("default", "web"))
        case .notPEM: pem = "hello"
        case .notIstioPath: pem = try Self.makeCSR(names: [.uniformResourceIdentifier("spiffe://\(trustDomain)/workload/web")])
        }
        try await withCA { ca, _, _ in
            await expectMeshError(.invalidArgument) {
                _ = try await ca.sign(csrPEM: pem, ttl: nil, requester: .admin)
            }
        }
    }

    @Test("a node may sign its own identity and its workloads', nothing else; admin anything in the domain")
    func requesterRules() async throws {
        let workloads: @Sendable (String) async -> Set<String> = { node in
            node == "edge-1" ? [workload("shop", "cart")] : [workload("shop", "payments")]
        }
        try await withCA(workloads: workloads) { ca, _, _ in
            let own = "spiffe://\(trustDomain)/ns/meshbox-system/sa/node-edge-1"
            _ = try await ca.sign(csrPEM: try csr(own), ttl: nil, requester: .node("edge-1"))
            _ = try await ca.sign(csrPEM: try csr(workload("shop", "cart")), ttl: nil, requester: .node("edge-1"))
            let denied = await expectMeshError(.permissionDenied) {
                _ = try await ca.sign(csrPEM: try csr(workload("shop", "payments")), ttl: nil, requester: .node("edge-1"))
            }
            #expect(denied?.message == "node edge-1 may not request \(workload("shop", "payments"))")
            await expectMeshError(.permissionDenied) {
                _ = try await ca.sign(
                    csrPEM: try csr("spiffe://\(trustDomain)/ns/meshbox-system/sa/node-edge-2"), ttl: nil,
                    requester: .node("edge-1"))
            }
            for id in [workload("shop", "payments"), "spiffe://\(trustDomain)/ns/meshbox-system/sa/node-edge-2"] {
                _ = try await ca.sign(csrPEM: try csr(id), ttl: nil, requester: .admin)
            }
        }
    }

    static func makeCSR(names: [GeneralName]?) throws -> String {
        let key = P256.Signing.PrivateKey()
        var attributes = CertificateSigningRequest.Attributes()
        if let names {
            attributes = try CertificateSigningRequest.Attributes([
                .init(ExtensionRequest(extensions: try Certificate.Extensions { SubjectAlternativeNames(names) }))
            ])
        }
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("x") }, privateKey: .init(key),
            attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        return try request.serializeAsPEM().pemString
    }

    /// A CSR whose signature was made by another key than the one it carries.
    static func forgedCSR(_ id: String) throws -> String {
        let real = try CertificateSigningRequest(pemEncoded: try csr(id))
        let other = Certificate.PublicKey(P256.Signing.PrivateKey().publicKey)
        let forged = try CertificateSigningRequest(
            version: real.version, subject: real.subject, publicKey: other, attributes: real.attributes,
            signatureAlgorithm: real.signatureAlgorithm, signature: real.signature)
        return try forged.serializeAsPEM().pemString
    }
}
