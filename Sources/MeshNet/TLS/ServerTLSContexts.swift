public import MeshModel
public import NIOSSL
import Synchronization

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

    private struct Entry {
        var context: NIOSSLContext
        /// Asked for since the last `sweep()`.
        var used: Bool
    }

    private let resolver: any SecretResolver
    private let entries = Mutex<[Key: Entry]>([:])

    public init(resolver: any SecretResolver) {
        self.resolver = resolver
    }

    /// The context for `tls`, whose secret names are looked up in `secrets` (the snapshot's list).
    ///
    /// Throws a `MeshError` naming the secret, file or setting at fault; the caller should not serve
    /// the filter chain then (Envoy likewise rejects a listener whose secret is not ready).
    public func context(for tls: Snapshot.ServerTLS, secrets: [Snapshot.SecretReference]) throws -> NIOSSLContext {
        let key = try resolveKey(for: tls, secrets: secrets)
        let cached = entries.withLock { entries -> NIOSSLContext? in
            entries[key]?.used = true
            return entries[key]?.context
        }
        if let cached { return cached }
        // Built outside the lock: two snapshots racing build twice and keep the first, which is harmless.
        let built = try Self.makeContext(key)
        return entries.withLock { entries in
            if let existing = entries[key] {
                entries[key]?.used = true
                return existing.context
            }
            entries[key] = Entry(context: built, used: true)
            return built
        }
    }

    /// Drops the contexts not asked for since the previous sweep, so rotated certificates do not pile up.
    /// Connections already using a dropped context keep it alive until they close.
    public func sweep() {
        entries.withLock { entries in
            entries = entries.filter(\.value.used).mapValues { Entry(context: $0.context, used: false) }
        }
    }

    /// How many contexts are cached.
    public var count: Int { entries.withLock { $0.count } }

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
