import MeshCA
import MeshCore
import MeshModel
import SwiftASN1
import X509

/// The control plane's text intake: resources, durations, CSRs.
enum InputFuzzing {
    static func resources(_ bytes: [UInt8]) {
        // A refusal is a fine answer; a crash, a trap or unbounded growth is not.
        _ = try? ResourceDecoder.decode(String(decoding: bytes, as: UTF8.self))
    }

    static func duration(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let duration = DurationText.parse(text) else { return }
        if duration < .zero { FuzzTarget.violated("\(text.debugDescription) parsed as a negative duration") }
        // What `format` writes, `parse` reads back.
        let formatted = DurationText.format(duration)
        guard DurationText.parse(formatted) != nil else {
            FuzzTarget.violated("\(text.debugDescription) formats as \(formatted.debugDescription), which does not parse")
        }
    }

    static func csr(_ bytes: [UInt8]) {
        guard let csr = try? CertificateSigningRequest(pemEncoded: String(decoding: bytes, as: UTF8.self)) else { return }
        _ = csr.publicKey.isValidSignature(csr.signature, for: csr)
        guard let names = try? csr.attributes.extensionRequest?.extensions.subjectAlternativeNames else { return }
        for name in names {
            guard case .uniformResourceIdentifier(let uri) = name, let identity = try? SPIFFEID(parsing: uri) else { continue }
            // An identity the CA accepts prints as the URI it was read from.
            guard (try? SPIFFEID(parsing: identity.description)) == identity else {
                FuzzTarget.violated("SPIFFE ID \(uri.debugDescription) does not survive printing: \(identity)")
            }
        }
    }
}
