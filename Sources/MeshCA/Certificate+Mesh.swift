import Crypto
import Foundation
import MeshAPI
import MeshCore
import SwiftASN1
import X509

extension Certificate {
    /// Parses every certificate of a PEM text (one or many blocks).
    static func parseAll(pem: String, what: String) throws -> [Certificate] {
        do {
            return try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
        } catch {
            throw MeshError(.invalidArgument, "\(what) is not valid PEM certificate text", cause: error)
        }
    }

    var pem: String {
        // Serializing a certificate we hold in memory cannot fail; it was parsed or built by X509.
        (try? serializeAsPEM().pemString) ?? ""
    }

    var derBytes: [UInt8] {
        var serializer = DER.Serializer()
        try? serializer.serialize(self)
        return serializer.serializedBytes
    }

    var serialHex: String { serialNumber.bytes.hexString }

    var fingerprintSHA256: String { SHA256.hash(data: derBytes).hexString }

    var isSelfIssued: Bool { subject == issuer && publicKey.isValidSignature(signature, for: self) }

    var isCertificateAuthority: Bool {
        guard let constraints = try? extensions.basicConstraints else { return false }
        if case .isCertificateAuthority = constraints { return true }
        return false
    }

    /// The URI SANs, in order.
    var uriSANs: [String] {
        let names = (try? extensions.subjectAlternativeNames) ?? nil
        return (names.map(Array.init) ?? []).compactMap {
            if case .uniformResourceIdentifier(let uri) = $0 { return uri }
            return nil
        }
    }

    func summary(state: CACertificateSummary.State) -> CACertificateSummary {
        CACertificateSummary(
            subject: subject.description, serialNumber: serialHex, notBefore: notValidBefore,
            notAfter: notValidAfter, fingerprintSHA256: fingerprintSHA256, state: state)
    }

    /// Share of the validity period left at `now` (0 when expired).
    func remainingLifetimeFraction(at now: Date) -> Double {
        let total = notValidAfter.timeIntervalSince(notValidBefore)
        guard total > 0 else { return 0 }
        return max(0, notValidAfter.timeIntervalSince(now) / total)
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}

extension Array where Element == Certificate {
    var pem: String { map(\.pem).joined(separator: "\n") + (isEmpty ? "" : "\n") }
}
