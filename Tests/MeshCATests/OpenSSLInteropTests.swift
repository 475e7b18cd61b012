import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Testing
import X509

@testable import MeshCA

@Suite("CertificateAuthority and openssl")
struct OpenSSLInteropTests {
    static let openssl = "/usr/bin/openssl"

    @Test("openssl verifies an issued certificate and shows its SPIFFE URI")
    func opensslVerifies() async throws {
        try await withCA { ca, _, directory in
            let id = workload("default", "web")
            let issued = try await ca.sign(csrPEM: try csr(id), ttl: nil, requester: .admin)
            try issued.trustBundlePEM.write(toFile: directory.file("bundle.pem"), atomically: true, encoding: .utf8)
            try issued.certificatePEM.write(toFile: directory.file("leaf.pem"), atomically: true, encoding: .utf8)
            let verify = try await run(Self.openssl, ["verify", "-CAfile", directory.file("bundle.pem"), directory.file("leaf.pem")])
            #expect(verify.status == 0, "\(verify.output)")
            #expect(verify.output.contains("leaf.pem: OK"))
            let text = try await run(Self.openssl, ["x509", "-noout", "-text", "-in", directory.file("leaf.pem")])
            #expect(text.status == 0)
            #expect(text.output.contains("URI:\(id)"))
            #expect(text.output.contains("CA:FALSE"))
            #expect(text.output.contains("TLS Web Server Authentication, TLS Web Client Authentication"))

            // After a rotation a peer holding only the old root verifies a new leaf through the cross-signed root.
            let oldRoot = issued.trustBundlePEM
            _ = try await ca.rotateRoot()
            let fresh = try await ca.sign(csrPEM: try csr(id), ttl: nil, requester: .admin)
            try oldRoot.write(toFile: directory.file("old-root.pem"), atomically: true, encoding: .utf8)
            try fresh.chainPEM.write(toFile: directory.file("cross.pem"), atomically: true, encoding: .utf8)
            try fresh.certificatePEM.write(toFile: directory.file("fresh.pem"), atomically: true, encoding: .utf8)
            let cross = try await run(
                Self.openssl,
                ["verify", "-CAfile", directory.file("old-root.pem"), "-untrusted", directory.file("cross.pem"), directory.file("fresh.pem")])
            #expect(cross.status == 0, "\(cross.output)")
        }
    }

    @Test("a plugged-in intermediate signs leaves; openssl verifies them with the chain")
    func pluggedIntermediate() async throws {
        let directory = try TemporaryDirectory(prefix: "meshca-plug")
        defer { directory.remove() }
        let pki = try TestPKI(now: Date())
        let plug = try pki.write(to: directory)
        try await withCA(options: .init(pluggedIntermediate: plug)) { ca, clock, caDirectory in
            let id = workload("default", "web")
            let issued = try await ca.sign(csrPEM: try csr(id), ttl: nil, requester: .admin)
            #expect(try certificates(issued.chainPEM) == [pki.intermediate])
            #expect(try certificates(issued.trustBundlePEM) == [pki.root])
            #expect(try Certificate(pemEncoded: issued.certificatePEM).issuer == pki.intermediate.subject)
            #expect(try await verifiedChain(issued, at: clock.now)?.last == pki.root)
            let status = await ca.status()
            #expect(status.mode == .pluggedIntermediate)
            #expect(status.intermediates.map(\.serialNumber) == [pki.intermediate.serialHex])
            #expect(status.roots.map(\.serialNumber) == [pki.root.serialHex])
            await expectMeshError(.conflict) { _ = try await ca.rotateRoot() }

            try issued.chainPEM.write(toFile: caDirectory.file("chain.pem"), atomically: true, encoding: .utf8)
            try issued.certificatePEM.write(toFile: caDirectory.file("leaf.pem"), atomically: true, encoding: .utf8)
            let verify = try await run(
                Self.openssl,
                ["verify", "-CAfile", plug.chainPath, "-untrusted", caDirectory.file("chain.pem"), caDirectory.file("leaf.pem")])
            #expect(verify.status == 0, "\(verify.output)")
        }
    }

    @Test("a plugged-in CA with a wrong key, a non-CA certificate or an expired certificate is refused naming the file")
    func pluggedIntermediateChecks() async throws {
        let directory = try TemporaryDirectory(prefix: "meshca-plug-bad")
        defer { directory.remove() }
        let pki = try TestPKI(now: Date())
        let plug = try pki.write(to: directory)

        var wrongKey = plug
        wrongKey.keyPath = directory.file("other.key.pem")
        try P256.Signing.PrivateKey().pemRepresentation.write(toFile: wrongKey.keyPath, atomically: true, encoding: .utf8)
        var notCA = plug
        notCA.certificatePath = directory.file("leaf-as-ca.pem")
        try pki.leafLike.pem.write(toFile: notCA.certificatePath, atomically: true, encoding: .utf8)
        var noRoot = plug
        noRoot.chainPath = plug.certificatePath

        for (options, file) in [(wrongKey, wrongKey.keyPath), (notCA, notCA.certificatePath), (noRoot, noRoot.chainPath)] {
            let error = await expectMeshError(.configuration) {
                try await withCA(options: .init(pluggedIntermediate: options)) { _, _, _ in }
            }
            #expect(error?.message.contains(file) == true, "\(String(describing: error))")
        }
        let expired = await expectMeshError(.configuration) {
            try await withCA(options: .init(pluggedIntermediate: plug), clock: TestNow(Date().addingTimeInterval(400 * 86_400))) { _, _, _ in }
        }
        #expect(expired?.message.contains(plug.certificatePath) == true)
    }
}

/// A root and an intermediate made with swift-certificates, as an operator's PKI would be.
struct TestPKI {
    let rootKey: P256.Signing.PrivateKey
    let intermediateKey: P256.Signing.PrivateKey
    let root: Certificate
    let intermediate: Certificate
    /// A non-CA certificate signed by the root.
    let leafLike: Certificate

    init(now: Date) throws {
        let rootKey = P256.Signing.PrivateKey()
        let intermediateKey = P256.Signing.PrivateKey()
        self.rootKey = rootKey
        self.intermediateKey = intermediateKey
        let rootName = try DistinguishedName { OrganizationName("Operator"); CommonName("Operator Root") }
        root = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(rootKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(3650 * 86_400),
            issuer: rootName, subject: rootName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(rootKey.publicKey))
            }, issuerPrivateKey: .init(rootKey))
        let rootSKI = try root.extensions.subjectKeyIdentifier!.keyIdentifier
        intermediate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(intermediateKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: rootName, subject: try DistinguishedName { OrganizationName("Operator"); CommonName("Mesh Intermediate") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(intermediateKey.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: rootSKI)
            }, issuerPrivateKey: .init(rootKey))
        leafLike = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(intermediateKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: rootName, subject: try DistinguishedName { CommonName("not a CA") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { Critical(BasicConstraints.notCertificateAuthority) },
            issuerPrivateKey: .init(rootKey))
    }

    func write(to directory: TemporaryDirectory) throws -> CertificateAuthority.Options.PluggedIntermediate {
        let plug = CertificateAuthority.Options.PluggedIntermediate(
            certificatePath: directory.file("ca-cert.pem"), keyPath: directory.file("ca-key.pem"),
            chainPath: directory.file("root-cert.pem"))
        try intermediate.pem.write(toFile: plug.certificatePath, atomically: true, encoding: .utf8)
        try intermediateKey.pemRepresentation.write(toFile: plug.keyPath, atomically: true, encoding: .utf8)
        try root.pem.write(toFile: plug.chainPath, atomically: true, encoding: .utf8)
        return plug
    }
}
