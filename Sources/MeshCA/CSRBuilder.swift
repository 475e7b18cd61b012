import Crypto
import MeshCore
import SwiftASN1
import X509

/// Makes a key pair and a CSR for a SPIFFE ID, as `meshbox join` and `meshbox cert request` do.
public enum CSRBuilder {
    /// A P-256 key and a CSR whose only SAN is the URI `spiffeID`.
    ///
    /// - Returns: the CSR (PEM) and the private key (PKCS#8 PEM), which never leaves the caller.
    public static func make(spiffeID: String) throws -> (csrPEM: String, privateKeyPEM: String) {
        _ = try SPIFFEID(parsing: spiffeID)
        return try make(names: [.uniformResourceIdentifier(spiffeID)], what: spiffeID)
    }

    /// A P-256 key and a CSR whose SANs are the DNS names `dnsNames` (a gateway server certificate).
    static func make(dnsNames: [String]) throws -> (csrPEM: String, privateKeyPEM: String) {
        try make(names: dnsNames.map { .dnsName($0) }, what: dnsNames.joined(separator: ","))
    }

    private static func make(names: [GeneralName], what: String) throws -> (csrPEM: String, privateKeyPEM: String) {
        let key = P256.Signing.PrivateKey()
        do {
            let request = ExtensionRequest(
                extensions: try Certificate.Extensions {
                    SubjectAlternativeNames(names)
                })
            let csr = try CertificateSigningRequest(
                version: .v1,
                subject: try DistinguishedName { OrganizationName("meshbox") },
                privateKey: .init(key),
                attributes: try CertificateSigningRequest.Attributes([.init(request)]),
                signatureAlgorithm: .ecdsaWithSHA256)
            return (try csr.serializeAsPEM().pemString, key.pemRepresentation)
        } catch {
            throw MeshError(.internal, "cannot build a CSR for \(what)", cause: error)
        }
    }
}
