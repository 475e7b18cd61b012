import Foundation
import SwiftASN1
import X509

/// What Secret validation needs of an X.509 certificate, read with swift-certificates.
struct CertificateFacts {
    var notValidBefore: Date
    var notValidAfter: Date
    var publicKey: Certificate.PublicKey

    /// Why bytes are not a certificate or a private key, in a few words.
    struct Failure: Error {
        var reason: String
    }

    /// Parses a DER certificate; throws with a short reason when it is not one.
    init(der: [UInt8]) throws(Failure) {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            throw Failure(reason: "not a certificate")
        }
        notValidBefore = certificate.notValidBefore
        notValidAfter = certificate.notValidAfter
        publicKey = certificate.publicKey
    }

    /// The public key of a private key given as a PEM block labelled `PRIVATE KEY` (PKCS#8),
    /// `EC PRIVATE KEY` (SEC1) or `RSA PRIVATE KEY` (PKCS#1).
    static func publicKey(ofPrivateKey block: PEMBlock) throws(Failure) -> Certificate.PublicKey {
        do {
            return try Certificate.PrivateKey(pemDocument: PEMDocument(type: block.label, derBytes: block.der)).publicKey
        } catch {
            throw Failure(reason: "not a \(block.label) this version can read (RSA, ECDSA P-256/384/521, Ed25519)")
        }
    }
}
