import MeshAPI
import MeshCore
public import MeshModel

/// Resolves the secrets whose key material the snapshot carries inline (credentials from the config
/// store, the gateway's mesh identity and trust bundle and `meshbox-ca` server certificates from the
/// co-located ca role: `Snapshot.SecretMaterial`) and hands every other reference to `fallback`.
///
/// A credential reference without material means the compiler found no usable `Secret`: if the
/// fallback has no other source for it, the error says so (the compiler's warning says why), and
/// the filter chain refuses TLS. `ServerTLSContexts` wraps its resolver in one; upstream TLS
/// contexts should do the same.
public struct InlineSecretResolver: SecretResolver {
    private let fallback: any SecretResolver

    public init(fallback: any SecretResolver = FileSecretResolver()) {
        self.fallback = fallback
    }

    public func resolve(_ reference: Snapshot.SecretReference) throws -> ResolvedSecret {
        if let material = reference.material {
            switch reference.kind {
            case .certificate:
                guard let chain = material.certificateChainPEM, let key = material.privateKeyPEM else {
                    throw MeshError(.configuration, "secret '\(reference.name)' holds no certificate chain and key")
                }
                return ResolvedSecret(certificateChainPEM: chain, privateKeyPEM: key)
            case .validationContext:
                guard let bundle = material.trustedCAsPEM else {
                    throw MeshError(.configuration, "secret '\(reference.name)' holds no CA certificates")
                }
                return ResolvedSecret(trustedCAsPEM: bundle)
            }
        }
        guard case .credential(let name) = reference.source else { return try fallback.resolve(reference) }
        if name == MeshCAMaterial.reservedCredentialName {
            throw MeshError(
                .notFound,
                "secret '\(reference.name)': the mesh CA has not issued this certificate (is the ca role running in this process? see the compiler's warnings)"
            )
        }
        do {
            return try fallback.resolve(reference)
        } catch {
            let wanted = reference.kind == .certificate ? "tls.crt and tls.key" : "ca.crt"
            throw MeshError(
                .notFound,
                "secret '\(reference.name)': the config store has no Secret \(name) with \(wanted) (see the compiler's warnings)"
            )
        }
    }
}
