public import Logging
public import MeshCore
package import NIOSSL
import Synchronization

/// The mutual-TLS material of one end of a tunnel: the certificate it presents (a workload's or
/// node's SPIFFE identity), the trust bundle peers must chain to, and the NIOSSL contexts made from
/// them (TLS 1.3, ALPN `h2` only), built once per `update`, not per connection.
///
/// Certificates renew: `update(_:)` swaps the material, and every connection made afterwards
/// presents the new certificate (connections already open keep theirs, as the gateway's
/// `ServerTLSContexts` does). The lock is taken once per new connection, never per stream.
public final class TunnelCredentials: Sendable {
    struct Material: Sendable {
        var serverContext: NIOSSLContext
        var clientContext: NIOSSLContext
        var verifier: SPIFFEPeerVerifier
        var spiffeID: String
    }

    public let trustDomain: String
    private let logger: Logger
    private let onRejection: (@Sendable (PeerRejection) -> Void)?
    private let material: Mutex<Material>

    /// - Parameters:
    ///   - identity: the certificate chain (whose leaf carries one SPIFFE ID of `trustDomain`), key and
    ///     trust bundle.
    ///   - onRejection: told about every refused peer (also logged as a warning by the verifier).
    public init(
        identity: TLSIdentity,
        trustDomain: String,
        logger: Logger = Logger(label: "meshbox.tunnel"),
        onRejection: (@Sendable (PeerRejection) -> Void)? = nil
    ) throws(MeshError) {
        self.trustDomain = trustDomain
        self.logger = logger
        self.onRejection = onRejection
        self.material = Mutex(
            try Self.makeMaterial(identity, trustDomain: trustDomain, logger: logger, onRejection: onRejection))
    }

    /// Presents `identity` on the connections made from now on (a renewed certificate, a new bundle).
    public func update(_ identity: TLSIdentity) throws(MeshError) {
        let material = try Self.makeMaterial(identity, trustDomain: trustDomain, logger: logger, onRejection: onRejection)
        self.material.withLock { $0 = material }
    }

    /// The SPIFFE ID of the certificate presented now: the source half of a tunnel pool's key.
    public var spiffeID: String { material.withLock { $0.spiffeID } }

    var current: Material { material.withLock { $0 } }

    /// The client context (this certificate, ALPN `h2`), for tests that speak to a server by hand.
    package var clientContext: NIOSSLContext { current.clientContext }

    private static func makeMaterial(
        _ identity: TLSIdentity, trustDomain: String, logger: Logger, onRejection: (@Sendable (PeerRejection) -> Void)?
    ) throws(MeshError) -> Material {
        let leaf = try TLSIdentity.parseCertificates(identity.certificateChainPEM, what: "certificate chain").first
        guard let leaf, let spiffeID = PeerIdentity.spiffeIDs(in: leaf).first else {
            throw MeshError(.configuration, "tunnel certificate chain: the leaf certificate has no SPIFFE ID")
        }
        guard PeerIdentity.trustDomain(of: spiffeID) == trustDomain.lowercased() else {
            throw MeshError(
                .configuration, "tunnel certificate chain: SPIFFE ID \(spiffeID) is outside trust domain \(trustDomain)")
        }
        let chain = try identity.certificateChain().map { NIOSSLCertificateSource.certificate($0) }
        let key = NIOSSLPrivateKeySource.privateKey(try identity.privateKey())
        let bundle = try identity.trustBundle()

        var server = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain
        client.privateKey = key
        // Both ends are meshbox: TLS 1.3 only (one round trip), HTTP/2 only. The SPIFFE verifier's
        // callback replaces BoringSSL's chain check; asking for a certificate needs a verification mode.
        func restrict(_ configuration: inout TLSConfiguration) {
            configuration.minimumTLSVersion = .tlsv13
            configuration.applicationProtocols = ["h2"]
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(bundle)
        }
        restrict(&server)
        restrict(&client)
        let verifier = SPIFFEPeerVerifier(
            trustDomain: trustDomain, trustRoots: try identity.trustRoots(), logger: logger, onRejection: onRejection)
        do {
            return Material(
                serverContext: try NIOSSLContext(configuration: server),
                clientContext: try NIOSSLContext(configuration: client),
                verifier: verifier,
                spiffeID: spiffeID
            )
        } catch {
            throw MeshError(.configuration, "tunnel TLS context could not be created", cause: error)
        }
    }
}
