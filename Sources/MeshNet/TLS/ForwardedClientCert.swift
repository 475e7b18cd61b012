import Crypto
import SwiftASN1
import X509

/// The `x-forwarded-client-cert` (XFCC) value a server sets for a client whose certificate its
/// handshake verified, as Envoy sets it with `forward_client_cert_details: SANITIZE_SET` and the
/// details Istio's gateways ask for (`subject`, `uri`, `dns`):
///
///     By=<our URI SAN>;Hash=<SHA-256 of the client certificate's DER, hex>;Subject="<RFC 2253>";URI=<client URI SAN>;DNS=<client DNS SAN>
///
/// `By` once per URI SAN of the server's own certificate (none without one), `URI=` always (empty
/// when the client has no URI SAN), `DNS=` once per DNS SAN. Built once per connection.
enum ForwardedClientCert {
    static func value(client certificate: Certificate, servedURIs: [String]) -> String {
        var parts = servedURIs.map { "By=" + safe($0) }
        var serializer = DER.Serializer()
        if (try? serializer.serialize(certificate)) != nil {
            parts.append("Hash=" + SHA256.hash(data: serializer.serializedBytes).map(hexByte).joined())
        }
        parts.append("Subject=\"" + safe(String(describing: certificate.subject)) + "\"")
        let names = (try? certificate.extensions.subjectAlternativeNames).map { Array($0) } ?? []
        var uris: [String] = []
        var dnsNames: [String] = []
        for name in names {
            switch name {
            case .uniformResourceIdentifier(let uri): uris.append(uri)
            case .dnsName(let dns): dnsNames.append(dns)
            default: break
            }
        }
        parts += uris.isEmpty ? ["URI="] : uris.map { "URI=" + safe($0) }
        parts += dnsNames.map { "DNS=" + safe($0) }
        return parts.joined(separator: ";")
    }

    /// The URI SANs of the leaf of `chainPEM`: the `By` of the XFCC a server with that certificate sets.
    static func uris(ofLeafIn chainPEM: String) -> [String] {
        guard let leaf = try? PEMDocument.parseMultiple(pemString: chainPEM).first.map(Certificate.init(pemDocument:)),
            let names = try? leaf.extensions.subjectAlternativeNames
        else { return [] }
        return names.compactMap { name in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
    }

    /// `text` with what cannot stand in a field value as RFC 4514 hex escapes (`\0d`): control
    /// bytes and, as OpenSSL's RFC 2253 form escapes them, non-ASCII bytes. (The subject's own
    /// specials, `"` and `;` among them, are already escaped by its RFC 4514 form.)
    private static func safe(_ text: String) -> String {
        func escapes(_ byte: UInt8) -> Bool { byte < 0x20 || byte >= 0x7F }
        guard text.utf8.contains(where: escapes) else { return text }
        var escaped: [UInt8] = []
        for byte in text.utf8 {
            if escapes(byte) {
                escaped.append(UInt8(ascii: "\\"))
                escaped.append(contentsOf: hexByte(byte).utf8)
            } else {
                escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}
