public import MeshModel
public import NIOSSL

/// The server TLS contexts of a data plane's listeners, built once per distinct configuration.
///
/// Building a `NIOSSLContext` parses keys and certificates, so it happens when a snapshot is applied,
/// not per connection. Entries are keyed by the `ServerTLS` and the resolved PEM contents: a snapshot
/// that leaves a chain's TLS and certificates alone gets the same context back (so in-flight
/// connections and session state stay consistent), while a rotated file or credential gets a new one.
///
/// Call `sweep()` after applying a snapshot to drop the contexts that snapshot no longer asked for.
/// The lock guards only the map and is taken per snapshot, never per request.
public final class ServerTLSContexts: Sendable {
    struct Key: Hashable {
        var tls: Snapshot.ServerTLS
        var certificateChainPEM: String
        var privateKeyPEM: String
        var trustedCAsPEM: String?
    }

    private let resolver: any SecretResolver
    private let cache = TLSContextCache<Key>()

    /// - Parameter resolver: for references without inline material (files, mesh identity); inline
    ///   material (credentials from the config store) is taken as it is.
    public init(resolver: any SecretResolver) {
        self.resolver = InlineSecretResolver(fallback: resolver)
    }

    /// The context for `tls`, whose secret names are looked up in `secrets` (the snapshot's list).
    ///
    /// Throws a `MeshError` naming the secret, file or setting at fault; the caller should not serve
    /// the filter chain then (Envoy likewise rejects a listener whose secret is not ready).
    public func context(for tls: Snapshot.ServerTLS, secrets: [Snapshot.SecretReference]) throws -> NIOSSLContext {
        let key = try resolveKey(for: tls, secrets: secrets)
        return try cache.context(for: key, build: Self.makeContext)
    }

    /// The URI SANs of the certificate `tls` serves: the `By` of the `x-forwarded-client-cert` its
    /// chain sets. Empty when the certificate does not resolve or names none.
    public func servedURIs(for tls: Snapshot.ServerTLS, secrets: [Snapshot.SecretReference]) -> [String] {
        guard let key = try? resolveKey(for: tls, secrets: secrets) else { return [] }
        return ForwardedClientCert.uris(ofLeafIn: key.certificateChainPEM)
    }

    /// Drops the contexts not asked for since the previous sweep, so rotated certificates do not pile up.
    /// Connections already using a dropped context keep it alive until they close.
    public func sweep() {
        cache.sweep()
    }

    /// How many contexts are cached.
    public var count: Int { cache.count }

    private func resolveKey(for tls: Snapshot.ServerTLS, secrets: [Snapshot.SecretReference]) throws -> Key {
        let certificate = try resolve(tls.certificateSecretName, in: secrets)
        guard let chain = certificate.certificateChainPEM, let key = certificate.privateKeyPEM else {
            throw ServerTLSContexts.error("secret '\(tls.certificateSecretName)' holds no certificate chain and key")
        }
        var trusted: String?
        if tls.mode == .mutual {
            guard let caName = tls.caSecretName else {
                throw ServerTLSContexts.error(
                    "mutual TLS with certificate secret '\(tls.certificateSecretName)' has no CA secret"
                )
            }
            guard let bundle = try resolve(caName, in: secrets).trustedCAsPEM else {
                throw ServerTLSContexts.error("secret '\(caName)' holds no CA certificates")
            }
            trusted = bundle
        }
        return Key(tls: tls, certificateChainPEM: chain, privateKeyPEM: key, trustedCAsPEM: trusted)
    }

    private func resolve(_ name: String, in secrets: [Snapshot.SecretReference]) throws -> ResolvedSecret {
        guard let reference = secrets.first(where: { $0.name == name }) else {
            throw ServerTLSContexts.error("secret '\(name)' is not in the snapshot")
        }
        return try resolver.resolve(reference)
    }
}
