public import Crypto
public import Foundation
import SwiftASN1
public import X509

/// A throwaway PKI made at run time for tests: root CAs for a trust domain and SPIFFE leaves with
/// chosen validity, all available as PEM. Nothing is checked in.
///
/// ```swift
/// let ca = try TestPKI.Authority(trustDomain: "mesh.local")
/// let web = try ca.issue(spiffeID: "spiffe://mesh.local/ns/default/sa/web")
/// let expired = try ca.issue(spiffeID: "spiffe://mesh.local/ns/default/sa/old",
///                            notValidBefore: .now - 7200, notValidAfter: .now - 3600)
/// ```
public enum TestPKI {
    /// A self-signed root CA (P-256).
    public struct Authority: Sendable {
        public let trustDomain: String
        public let certificate: Certificate
        public let privateKey: P256.Signing.PrivateKey

        public init(trustDomain: String, commonName: String? = nil, now: Date = Date()) throws {
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName {
                OrganizationName("meshbox tests")
                CommonName(commonName ?? "\(trustDomain) test root CA")
            }
            self.trustDomain = trustDomain
            self.privateKey = key
            self.certificate = try Certificate(
                version: .v3,
                serialNumber: .init(),
                publicKey: .init(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: .init(key.publicKey))
                },
                issuerPrivateKey: .init(key)
            )
        }

        public var certificatePEM: String {
            get throws { try certificate.serializeAsPEM().pemString }
        }

        /// A leaf for `spiffeID` (nil: a leaf with only a DNS name, no SPIFFE ID), valid from
        /// `notValidBefore` to `notValidAfter` (default: an hour either side of now).
        public func issue(
            spiffeID: String?,
            dnsName: String? = nil,
            notValidBefore: Date = Date().addingTimeInterval(-3600),
            notValidAfter: Date = Date().addingTimeInterval(3600)
        ) throws -> Leaf {
            let key = P256.Signing.PrivateKey()
            var names: [GeneralName] = []
            if let spiffeID { names.append(.uniformResourceIdentifier(spiffeID)) }
            if let dnsName { names.append(.dnsName(dnsName)) }
            let sans = SubjectAlternativeNames(names)
            let subject = try DistinguishedName { OrganizationName("meshbox tests") }
            let issuerKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            let leaf = try Certificate(
                version: .v3,
                serialNumber: .init(),
                publicKey: .init(key.publicKey),
                notValidBefore: wholeSeconds(notValidBefore),
                notValidAfter: wholeSeconds(notValidAfter),
                issuer: certificate.subject,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    if let issuerKeyID { AuthorityKeyIdentifier(keyIdentifier: issuerKeyID) }
                    // SPIFFE X.509-SVID: the SAN is critical when the subject is empty-ish; mark it
                    // critical as meshbox's CA does, so verifiers must claim it.
                    Critical(sans)
                },
                issuerPrivateKey: .init(privateKey)
            )
            return Leaf(certificate: leaf, privateKey: key, issuer: certificate)
        }
    }

    /// Certificates store whole seconds; rounding here keeps a leaf's dates equal to what a peer parses.
    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// A leaf certificate with its key and issuing CA.
    public struct Leaf: Sendable {
        public let certificate: Certificate
        public let privateKey: P256.Signing.PrivateKey
        public let issuer: Certificate

        public var certificatePEM: String {
            get throws { try certificate.serializeAsPEM().pemString }
        }

        /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
        public var privateKeyPEM: String { privateKey.pemRepresentation }

        /// The leaf followed by its issuer, as a server or client presents it.
        public var chainPEM: String {
            get throws { try certificatePEM + "\n" + issuer.serializeAsPEM().pemString }
        }
    }
}
