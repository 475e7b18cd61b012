import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import Testing
import X509

@testable import MeshXDSServer

/// What the ADS listener's own chain check (`XDSClientTrust`) refuses beyond RFC 5280's policy
/// in swift-certificates: an issuer whose key usage excludes certificate signing.
@Suite("The ADS listener's client chain check")
struct ClientChainPolicyTests {
    struct Issuer {
        let certificate: Certificate
        let key: P256.Signing.PrivateKey
    }

    static func name(_ commonName: String) throws -> DistinguishedName {
        try DistinguishedName { CommonName(commonName) }
    }

    static func root() throws -> Issuer {
        let key = P256.Signing.PrivateKey()
        let subject = try name("test root")
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            }, issuerPrivateKey: .init(key))
        return Issuer(certificate: certificate, key: key)
    }

    /// An intermediate CA (basic constraints say CA) with the given key usage.
    static func intermediate(under root: Issuer, usage: KeyUsage) throws -> Issuer {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
            issuer: root.certificate.subject, subject: try name("test intermediate"), signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(usage)
            }, issuerPrivateKey: .init(root.key))
        return Issuer(certificate: certificate, key: key)
    }

    /// A node leaf as the mesh CA makes them: empty subject, critical SPIFFE URI name.
    static func leaf(under issuer: Issuer) throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
            issuer: issuer.certificate.subject, subject: DistinguishedName(), signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                Critical(SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://test/ns/meshbox-system/sa/node-edge-1")]))
            }, issuerPrivateKey: .init(issuer.key))
    }

    static func presented(_ certificates: [Certificate]) throws -> [NIOSSLCertificate] {
        try certificates.map { certificate in
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            return try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
        }
    }

    static func verified(_ result: NIOSSLVerificationResultWithMetadata) -> Bool {
        if case .certificateVerified = result { true } else { false }
    }

    @Test("a leaf under an intermediate allowed to sign certificates is accepted")
    func signingIntermediate() async throws {
        let root = try Self.root()
        let intermediate = try Self.intermediate(under: root, usage: KeyUsage(keyCertSign: true, cRLSign: true))
        let chain = try Self.presented([try Self.leaf(under: intermediate), intermediate.certificate])
        #expect(Self.verified(await XDSClientTrust.verify(chain, roots: [root.certificate])))
    }

    @Test("a leaf under a CA whose key usage excludes keyCertSign is refused")
    func nonSigningIntermediate() async throws {
        let root = try Self.root()
        let intermediate = try Self.intermediate(under: root, usage: KeyUsage(digitalSignature: true))
        let chain = try Self.presented([try Self.leaf(under: intermediate), intermediate.certificate])
        #expect(!Self.verified(await XDSClientTrust.verify(chain, roots: [root.certificate])))
    }
}
