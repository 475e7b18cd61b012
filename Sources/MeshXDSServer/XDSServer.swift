import Foundation
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
/// With `sharedTranslations` (the default) nodes that run the same roles and take the same format
/// share one translation of each snapshot: right for a `translate` that depends on the snapshot,
/// the node's roles and its format (`DataPlaneNode.xdsFormat`) only.
///
/// With `envoyIdentity`, each Envoy node (not a meshbox node, which has its own node certificate)
/// also gets its own mesh workload certificate as the secrets its snapshot names for the data
/// plane's identity (Istio's `default`), issued when it connects and renewed at half-life
/// (`XDSEnvoyIdentities`). Meant for mutual TLS, where a node id is the one its certificate names.
public final class XDSServer: Service {
    /// Every node's status: connected, versions acknowledged, the last rejection.
    public let status: XDSNodeStatusBoard
    private let transport: HTTP2ServerTransport.Posix
    private let service: AggregatedDiscoveryService
    private let nodeCertificates: NodeCertificatesService?
    /// Renews the listener's own certificate while it runs (`TLS.renewCertificate`).
    private let renewal: (XDSServerCertificateRenewal, notAfter: Date)?
    /// Follows the mesh trust bundle while it runs (`TLS.trustBundleUpdates`).
    private let trustUpdates: (XDSClientTrust, AsyncStream<String>)?
    private let logger: Logger

    public init(
        configuration: Configuration,
        source: any SnapshotSource,
        translate: @escaping XDSTranslate,
        sharedTranslations: Bool = true,
        envoyIdentity: XDSEnvoyIdentityIssue? = nil,
        status: XDSNodeStatusBoard = XDSNodeStatusBoard(),
        logger: Logger
    ) throws(MeshError) {
        try configuration.validate()
        self.status = status
        let security: HTTP2ServerTransport.Posix.TransportSecurity
        let peerIdentity: XDSPeerIdentity?
        var nodeCertificates: NodeCertificatesService?
        var renewal: (XDSServerCertificateRenewal, notAfter: Date)?
        var trustUpdates: (XDSClientTrust, AsyncStream<String>)?
        switch configuration.security {
        case .mutualTLS(let tls):
            let reloader = try XDSCertificateReloader(
                certificateChainPEM: tls.certificateChainPEM, privateKeyPEM: tls.privateKeyPEM)
            let trust = try XDSClientTrust(bundlePEM: tls.trustRootsPEM)
            security = try Self.mutualTLS(tls, reloader: reloader, trust: trust)
            trustUpdates = tls.trustBundleUpdates.map { (trust, $0) }
            peerIdentity = XDSPeerIdentity(expectedIdentity: tls.nodeIdentity)
            nodeCertificates = tls.renewNodeCertificate.map { NodeCertificatesService(renewal: $0, logger: logger) }
            if let issue = tls.renewCertificate {
                renewal = (
                    XDSServerCertificateRenewal(issue: issue, reloader: reloader, logger: logger),
                    try Self.notAfter(of: tls.certificateChainPEM)
                )
            }
        case .plaintextLoopbackForTesting:
            security = .plaintext
            peerIdentity = nil
        }
        let address: GRPCNIOTransportCore.SocketAddress =
            configuration.host.contains(":")
            ? .ipv6(host: configuration.host, port: configuration.port)
            : .ipv4(host: configuration.host, port: configuration.port)
        var transportConfig = HTTP2ServerTransport.Posix.Config.defaults
        transportConfig.http2.maxConcurrentStreams = configuration.maxConcurrentStreams
        transport = .http2NIOPosix(address: address, transportSecurity: security, config: transportConfig)
        self.renewal = renewal
        self.trustUpdates = trustUpdates
        self.logger = logger
        service = AggregatedDiscoveryService(
            source: source,
            translations: XDSTranslationCache(capacity: sharedTranslations ? 8 : 0, translate: translate),
            board: status,
            peerIdentity: peerIdentity,
            identities: envoyIdentity.map { XDSEnvoyIdentities(issue: $0, logger: logger) },
            logger: logger
        )
        self.nodeCertificates = nodeCertificates
    }

    public func run() async throws {
        let services: [any RegistrableRPCService] = [service] + (nodeCertificates.map { [$0] } ?? [])
        let server = GRPCServer(transport: transport, services: services)
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let renewal {
                group.addTask { await renewal.0.run(notAfter: renewal.notAfter) }
            }
            if let (trust, bundles) = trustUpdates {
                group.addTask { [logger] in
                    for await bundle in bundles {
                        do {
                            try trust.update(bundlePEM: bundle)
                            logger.info("The ADS listener trusts the current mesh bundle for new connections")
                        } catch {
                            logger.warning(
                                "The ADS listener keeps its previous trust: the new mesh bundle does not load",
                                metadata: ["error.message": "\(error)"])
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            try await withGracefulShutdownHandler {
                try await server.serve()
            } onGracefulShutdown: {
                server.beginGracefulShutdown()
            }
        }
    }

    /// The port the listener bound (useful with port 0), once it is listening.
    public func listeningPort() async throws -> Int? {
        let address = try await transport.listeningAddress
        return address.ipv4?.port ?? address.ipv6?.port
    }
}

extension XDSServer {
    /// meshbox's translation (MeshXDS) of the node's snapshot: for an Envoy, Envoy resources, one
    /// translator per type; for a meshbox node (`client: meshbox`), `MeshboxResources` of the
    /// snapshot scoped to it. Neither gets the control plane's own workload key
    /// (`Snapshot.forRemoteNode()`). `system_version_info` is the snapshot's version.
    public static let meshTranslation: XDSTranslate = { snapshot, node in
        let version = String(snapshot.version)
        switch node.xdsFormat {
        case .envoy:
            return XDSServedResources(XDSResourceSet(snapshot: snapshot, node: node), systemVersion: version)
        case .meshbox:
            return XDSServedResources(
                systemVersion: version, byType: MeshboxResources.resources(of: snapshot.scoped(to: node).forRemoteNode()))
        }
    }
}
