public import Logging
public import MeshModel
import NIOCore
import NIOSSL

/// The client TLS contexts of a data plane's clusters (DestinationRule `trafficPolicy.tls`), built once
/// per distinct configuration when a snapshot is applied, never per connection.
///
/// Entries are keyed by how the upstream is verified and by the resolved PEM contents, so clusters
/// with the same material share a context, an unchanged cluster gets the same context back from the
/// next snapshot (its pooled connections stay), and a rotated file or credential gets a new one.
/// Call `sweep()` after applying a snapshot to drop contexts it no longer asked for. The lock guards
/// only the map and is taken per snapshot, never per request.
///
/// Verification, as Istio's `ClientTLSSettings` describe it:
/// - `insecureSkipVerify`: neither the chain nor any name is checked.
/// - `subjectAltNames` given (or ISTIO_MUTUAL): the chain is checked against the CA, and the
///   certificate must carry one of the names (checked by `UpstreamTLSHandshake`), not the SNI.
/// - otherwise: the chain is checked and the certificate must be valid for the SNI name.
/// The CA is `caCertificates` (or the credential's `cacert`, or the mesh trust bundle for
/// ISTIO_MUTUAL); without one, the system trust store (on Debian `/etc/ssl/certs/ca-certificates.crt`).
public final class UpstreamTLSContexts: Sendable {
    enum Verification: Hashable {
        case none
        case chainOnly
        case chainAndHostname
    }

    struct Key: Hashable {
        var verification: Verification
        /// Offer ALPN `http/1.1` (HTTP clusters) or nothing (TCP relays).
        var offersHTTP = true
        /// Offer `h2` before `http/1.1` (clusters that speak HTTP/2 to their endpoints).
        var offersH2 = false
        /// nil: the system trust store.
        var trustedCAsPEM: String?
        var certificateChainPEM: String?
        var privateKeyPEM: String?
    }

    /// ALPN offered to upstreams: meshbox speaks HTTP/1.1 to them.
    static let applicationProtocols = ["http/1.1"]
    /// ALPN offered to the upstreams of an HTTP/2 cluster: h2, else HTTP/1.1.
    static let h2ApplicationProtocols = ["h2", "http/1.1"]

    private let resolver: any SecretResolver
    private let logger: Logger
    private let cache = TLSContextCache<Key>()

    /// - Parameter logger: where connections of these clusters log refused handshakes.
    public init(resolver: any SecretResolver, logger: Logger = Logger(label: "meshbox.tls")) {
        self.resolver = resolver
        self.logger = logger
    }

    /// The TLS client of `cluster` (which must have `upstreamTLS`), its secrets looked up in `secrets`
    /// (the snapshot's list). When the settings cannot be honoured the client refuses every connection
    /// and its `refusal` names the secret, file or setting at fault.
    public func client(for cluster: Snapshot.Cluster, secrets: [Snapshot.SecretReference]) -> UpstreamTLSClient {
        guard let tls = cluster.upstreamTLS else {
            return .refusing(cluster, UpstreamTLSFailure(.notConfigured, "cluster has no TLS settings"), logger: logger)
        }
        let serverName = Self.serverName(for: cluster, tls: tls)
        do {
            var key = try resolveKey(tls, secrets: secrets)
            let http = try context(for: key)
            var h2Key = key
            h2Key.offersH2 = true
            let h2 = cluster.http2 || cluster.useClientProtocol ? try context(for: h2Key) : nil
            key.offersHTTP = false
            let raw = try context(for: key)
            return UpstreamTLSClient(
                clusterName: cluster.name,
                context: http,
                rawContext: raw,
                h2Context: h2,
                refusal: nil,
                serverName: serverName,
                subjectAltNames: tls.insecureSkipVerify ? [] : tls.subjectAltNames,
                logger: logger
            )
        } catch {
            let failure = error as? UpstreamTLSFailure ?? UpstreamTLSFailure(.notConfigured, "\(error)")
            return .refusing(cluster, failure, logger: logger)
        }
    }

    /// Drops the contexts not asked for since the previous sweep. Connections already using a dropped
    /// context keep it alive until they close.
    public func sweep() {
        cache.sweep()
    }

    /// How many contexts are cached.
    public var count: Int { cache.count }

    /// `sni`, else Istio's defaults: `outbound_.<port>_.<subset>_.<host>` for ISTIO_MUTUAL (what mesh
    /// sidecars route on), the service host otherwise. An IP address is never sent as SNI.
    public static func serverName(for cluster: Snapshot.Cluster, tls: Snapshot.UpstreamTLS) -> String? {
        let name: String
        if let sni = tls.sni, !sni.isEmpty {
            name = sni
        } else if tls.mode == .istioMutual {
            name = "outbound_.\(cluster.port)_.\(cluster.subset ?? "")_.\(cluster.serviceHost)"
        } else {
            name = cluster.serviceHost
        }
        if (try? SocketAddress(ipAddress: name, port: 0)) != nil { return nil }
        return name
    }

    private func context(for key: Key) throws -> NIOSSLContext {
        return try cache.context(for: key, build: Self.makeContext)
    }

    private func resolveKey(_ tls: Snapshot.UpstreamTLS, secrets: [Snapshot.SecretReference]) throws -> Key {
        var key = Key(verification: .chainAndHostname)
        if tls.insecureSkipVerify {
            key.verification = .none
        } else if tls.mode == .istioMutual || !tls.subjectAltNames.isEmpty {
            key.verification = .chainOnly
        }
        if tls.mode == .mutual || tls.mode == .istioMutual {
            guard let name = tls.certificateSecretName else {
                throw Self.failure("\(Self.modeName(tls.mode)) TLS needs a client certificate and key")
            }
            let certificate = try resolve(name, in: secrets)
            guard let chain = certificate.certificateChainPEM, let privateKey = certificate.privateKeyPEM else {
                throw Self.failure("secret '\(name)' holds no client certificate chain and key")
            }
            key.certificateChainPEM = chain
            key.privateKeyPEM = privateKey
        }
        if let caName = tls.caSecretName {
            key.trustedCAsPEM = try resolve(caName, in: secrets).trustedCAsPEM
            if key.trustedCAsPEM == nil, tls.mode == .istioMutual, !tls.insecureSkipVerify {
                throw Self.failure("secret '\(caName)' holds no CA certificates")
            }
        }
        return key
    }

    private func resolve(_ name: String, in secrets: [Snapshot.SecretReference]) throws -> ResolvedSecret {
        guard let reference = secrets.first(where: { $0.name == name }) else {
            throw Self.failure("secret '\(name)' is not in the snapshot")
        }
        // A credential from the config store travels inline (`credentialName`).
        if let material = reference.material {
            return ResolvedSecret(
                certificateChainPEM: material.certificateChainPEM,
                privateKeyPEM: material.privateKeyPEM,
                trustedCAsPEM: material.trustedCAsPEM
            )
        }
        do {
            return try resolver.resolve(reference)
        } catch {
            throw Self.failure("\(error)")
        }
    }

    static func failure(_ reason: String) -> UpstreamTLSFailure {
        UpstreamTLSFailure(.notConfigured, reason)
    }

    static func modeName(_ mode: Snapshot.UpstreamTLS.Mode) -> String {
        switch mode {
        case .simple: "SIMPLE"
        case .mutual: "MUTUAL"
        case .istioMutual: "ISTIO_MUTUAL"
        }
    }
}
