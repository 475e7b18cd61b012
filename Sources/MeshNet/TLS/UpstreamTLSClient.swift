import Logging
import MeshModel
import NIOCore
import NIOSSL

/// How one cluster originates TLS towards its endpoints (xDS `UpstreamTlsContext`), ready for the hot
/// path: a context built once per snapshot (shared by every cluster with the same material), the SNI
/// to send and the SANs to insist on. A cluster whose TLS could not be built carries the reason and
/// refuses every connection with it, as Envoy keeps a cluster whose secret is missing from connecting.
public final class UpstreamTLSClient: Sendable {
    public let clusterName: String
    /// The context for HTTP (ALPN `http/1.1`); nil when the cluster refuses (see `refusal`).
    let context: NIOSSLContext?
    /// The same without ALPN, for TCP relays.
    let rawContext: NIOSSLContext?
    /// The same offering `h2` first, for clusters that speak HTTP/2 (nil for the others).
    let h2Context: NIOSSLContext?
    /// Why the cluster cannot connect, when `context` is nil.
    public let refusal: UpstreamTLSFailure?
    /// Sent as SNI (and checked against the certificate when no SANs are given); nil for an IP address.
    public let serverName: String?
    /// The upstream's certificate must carry one of these (URI or DNS SANs); empty: no such check.
    public let subjectAltNames: [String]
    let logger: Logger

    init(
        clusterName: String,
        context: NIOSSLContext?,
        rawContext: NIOSSLContext?,
        h2Context: NIOSSLContext? = nil,
        refusal: UpstreamTLSFailure?,
        serverName: String?,
        subjectAltNames: [String],
        logger: Logger
    ) {
        self.clusterName = clusterName
        self.context = context
        self.rawContext = rawContext
        self.h2Context = h2Context
        self.refusal = refusal
        self.serverName = serverName
        self.subjectAltNames = subjectAltNames
        self.logger = logger
    }

    /// A cluster that refuses every connection with `reason`.
    static func refusing(_ cluster: Snapshot.Cluster, _ reason: UpstreamTLSFailure, logger: Logger) -> UpstreamTLSClient
    {
        UpstreamTLSClient(
            clusterName: cluster.name,
            context: nil,
            rawContext: nil,
            refusal: reason,
            serverName: nil,
            subjectAltNames: [],
            logger: logger
        )
    }

    /// Adds the TLS client handler and the handshake gate at the front of a new upstream channel's
    /// pipeline (call from the channel initializer, on its event loop). Throws the cluster's refusal.
    /// The returned gate's `outcome` says when the connection may carry requests.
    /// - Parameters:
    ///   - http: offer ALPN `http/1.1` (an HTTP cluster) or no ALPN (a TCP relay).
    ///   - h2: offer `h2` before `http/1.1` (an HTTP/2 cluster; the gate reports what was agreed).
    @discardableResult
    func addHandlers(
        to channel: any Channel, timeout: TimeAmount, http: Bool = true, h2: Bool = false
    ) throws -> UpstreamTLSHandshake {
        guard let context = h2 ? h2Context : http ? context : rawContext else {
            throw refusal ?? UpstreamTLSFailure(.notConfigured, "cluster \(clusterName) has no usable TLS context")
        }
        let gate = UpstreamTLSHandshake(
            eventLoop: channel.eventLoop,
            subjectAltNames: subjectAltNames,
            serverName: serverName,
            clusterName: clusterName,
            timeout: timeout,
            logger: logger
        )
        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
        try channel.pipeline.syncOperations.addHandlers([handler, gate])
        return gate
    }

    /// Whether connections made with `other` may be reused under this one (same context, name and SANs).
    func sameTransport(as other: UpstreamTLSClient?) -> Bool {
        guard let other else { return false }
        return context === other.context && h2Context === other.h2Context && serverName == other.serverName
            && subjectAltNames == other.subjectAltNames
            && refusal == other.refusal
    }
}
