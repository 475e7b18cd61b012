import Foundation
import MeshCore
import X509

extension CertificateAuthority {
    /// Loads and checks an operator's intermediate: a CA certificate, its matching key, valid at
    /// `now`, chaining through the chain file to a root in it. Errors name the file at fault.
    static func loadPlugged(_ plug: Options.PluggedIntermediate, now: Date) throws -> (Signer, Plugged) {
        let certificates = try parse(plug.certificatePath, what: "intermediate certificate")
        guard let intermediate = certificates.first else {
            throw MeshError(.configuration, "\(plug.certificatePath): no certificate in the file")
        }
        guard intermediate.isCertificateAuthority else {
            throw MeshError(.configuration, "\(plug.certificatePath): the certificate is not a CA (BasicConstraints)")
        }
        if let usage = try? intermediate.extensions.keyUsage, !usage.keyCertSign {
            throw MeshError(.configuration, "\(plug.certificatePath): the certificate may not sign certificates (KeyUsage)")
        }
        guard intermediate.notValidBefore <= now, now < intermediate.notValidAfter else {
            throw MeshError(
                .configuration,
                "\(plug.certificatePath): the certificate is not valid now (\(intermediate.notValidBefore) – \(intermediate.notValidAfter))")
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: try CAKeyFile.read(plug.keyPath, what: "intermediate key"))
        } catch let error as MeshError {
            throw error
        } catch {
            throw MeshError(.configuration, "\(plug.keyPath): not a PEM private key", cause: error)
        }
        guard key.publicKey == intermediate.publicKey else {
            throw MeshError(.configuration, "\(plug.keyPath): the key does not match \(plug.certificatePath)")
        }
        let chainFile = try parse(plug.chainPath, what: "certificate chain")
        let rootCertificates = chainFile.filter(\.isSelfIssued)
        let above = chainFile.filter { !$0.isSelfIssued && $0 != intermediate }
        guard !rootCertificates.isEmpty else {
            throw MeshError(.configuration, "\(plug.chainPath): the chain holds no root (self-signed) certificate")
        }
        // Walk from the intermediate up to a root, collecting the certificates on the way.
        var path = [intermediate]
        var current = intermediate
        while !rootCertificates.contains(where: { $0.signed(current) }) {
            guard path.count <= 8, let next = above.first(where: { $0.signed(current) && !path.contains($0) }) else {
                throw MeshError(
                    .configuration, "\(plug.chainPath): \(current.subject) does not chain to a root in this file")
            }
            path.append(next)
            current = next
        }
        return (
            Signer(certificate: intermediate, key: key, generation: nil),
            Plugged(chain: path, roots: rootCertificates)
        )
    }

    private static func parse(_ path: String, what: String) throws -> [Certificate] {
        let text = try CAKeyFile.read(path, what: what)
        do {
            return try Certificate.parseAll(pem: text, what: path)
        } catch {
            throw MeshError(.configuration, "\(path): not a PEM \(what)", cause: error)
        }
    }
}

extension Certificate {
    /// Whether this certificate issued `other` (names match and the signature verifies).
    func signed(_ other: Certificate) -> Bool {
        other.issuer == subject && publicKey.isValidSignature(other.signature, for: other)
    }
}
