public import GRPCCore
public import GRPCNIOTransportHTTP2Posix
public import Logging
public import MeshAPI
public import MeshCore
import MeshModel
import MeshXDS
public import ServiceLifecycle

/// The ADS server (state of the world and delta on one listener): serves each connected node the
/// snapshot `source` scopes to it, translated by `translate`.
///
/// With `sharedTranslations` (the default) nodes that run the same roles share one translation of
/// each snapshot: right for a `translate` that depends on the snapshot and the node's roles only.
public final class XDSServer: Service {
    /// Every node's status: connected, versions acknowledged, the last rejection.
    public let status: XDSNodeStatusBoard
    private let transport: HTTP2ServerTransport.Posix
    private let service: AggregatedDiscoveryService

    public init(
        configuration: Configuration,
        source: any SnapshotSource,
        translate: @escaping XDSTranslate,
        sharedTranslations: Bool = true,
        status: XDSNodeStatusBoard = XDSNodeStatusBoard(),
        logger: Logger
    ) throws(MeshError) {
        try configuration.validate()
        self.status = status
        let security: HTTP2ServerTransport.Posix.TransportSecurity
        let peerIdentity: XDSPeerIdentity?
        switch configuration.security {
        case .mutualTLS(let tls):
            security = .tls(
                .mTLS(
                    certificateChain: [.bytes(Array(tls.certificateChainPEM.utf8), format: .pem)],
                    privateKey: .bytes(Array(tls.privateKeyPEM.utf8), format: .pem)
                ) { config in
                    config.trustRoots = .certificates([.bytes(Array(tls.trustRootsPEM.utf8), format: .pem)])
                    config.clientCertificateVerification = .noHostnameVerification
                }
            )
            peerIdentity = XDSPeerIdentity(expectedIdentity: tls.nodeIdentity)
        case .plaintextLoopbackForTesting:
            security = .plaintext
            peerIdentity = nil
        }
        let address: GRPCNIOTransportCore.SocketAddress =
            configuration.host.contains(":")
            ? .ipv6(host: configuration.host, port: configuration.port)
            : .ipv4(host: configuration.host, port: configuration.port)
        transport = .http2NIOPosix(address: address, transportSecurity: security)
        service = AggregatedDiscoveryService(
            source: source,
            translations: XDSTranslationCache(capacity: sharedTranslations ? 8 : 0, translate: translate),
            board: status,
            peerIdentity: peerIdentity,
            logger: logger
        )
    }

    public func run() async throws {
        let server = GRPCServer(transport: transport, services: [service])
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }

    /// The port the listener bound (useful with port 0), once it is listening.
    public func listeningPort() async throws -> Int? {
        let address = try await transport.listeningAddress
        return address.ipv4?.port ?? address.ipv6?.port
    }
}

extension XDSServer {
    /// meshbox's translation (MeshXDS): the node's snapshot as Envoy resources, one translator per
    /// type; `system_version_info` is the snapshot's version.
    public static let meshTranslation: XDSTranslate = { snapshot, node in
        XDSServedResources(XDSResourceSet(snapshot: snapshot, node: node), systemVersion: String(snapshot.version))
    }
}
