public import Foundation
import MeshCore
import SwiftASN1
import X509

/// What `meshbox cert show` prints about a certificate.
public struct CertificateInfo: Sendable, Hashable, Codable {
    public var subject: String
    public var issuer: String
    /// `URI:spiffe://…`, `DNS:…`, `IP:…`, as openssl prints them.
    public var subjectAlternativeNames: [String]
    public var notBefore: Date
    public var notAfter: Date
    /// Lowercase hex.
    public var serialNumber: String
    public var isCertificateAuthority: Bool
    public var fingerprintSHA256: String

    /// Describes every certificate in `pem` (a chain gives several, leaf first as written).
    public static func describe(pem: String) throws -> [CertificateInfo] {
        let certificates = try Certificate.parseAll(pem: pem, what: "the input")
        guard !certificates.isEmpty else { throw MeshError(.invalidArgument, "no certificate in the input") }
        return certificates.map { certificate in
            let names = (try? certificate.extensions.subjectAlternativeNames) ?? nil
            let sans: [String] = (names.map(Array.init) ?? []).map { name in
                switch name {
                case .uniformResourceIdentifier(let uri): "URI:" + uri
                case .dnsName(let dns): "DNS:" + dns
                case .rfc822Name(let mail): "email:" + mail
                case .ipAddress(let bytes): "IP:" + Self.ipText(Array(bytes.bytes))
                default: String(describing: name)
                }
            }
            return CertificateInfo(
                subject: certificate.subject.description, issuer: certificate.issuer.description,
                subjectAlternativeNames: sans, notBefore: certificate.notValidBefore,
                notAfter: certificate.notValidAfter, serialNumber: certificate.serialHex,
                isCertificateAuthority: certificate.isCertificateAuthority,
                fingerprintSHA256: certificate.fingerprintSHA256)
        }
    }

    private static func ipText(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map { index in
            String((UInt16(bytes[index]) << 8) | UInt16(bytes[min(index + 1, bytes.count - 1)]), radix: 16)
        }.joined(separator: ":")
    }
}
