public import Logging
import MeshDNS
public import NIOCore
public import NIOPosix
public import ServiceLifecycle
import Synchronization

/// The proxy role's DNS server: answers mesh names from the current `DNSTable`, forwards every
/// other name to the upstream resolvers, on UDP and (for answers too large for UDP) TCP.
///
/// ```swift
/// let settings = try DNSSettings()                        // 127.0.0.1:15053, cluster.local
/// let dns = DNSServer(settings: settings, logger: logger)
/// // in the proxy role's loop, for each snapshot's mesh services:
/// dns.update(DNSTable(services: services, domain: settings.clusterDomain))
/// // in the ServiceGroup: dns (a Service) runs until graceful shutdown
/// ```
///
/// Until the first `update`, the table is empty: names under the cluster domain are NXDOMAIN.
/// After it, the last table keeps answering whatever happens to the control plane.
public final class DNSServer: Service, Sendable {
    private let settings: DNSSettings
    private let group: any EventLoopGroup
    private let logger: Logger
    private let metrics: DNSMetrics
    private let onListening: @Sendable (SocketAddress) -> Void
    private let responder: Mutex<DNSResponder>
    private let listening = Mutex<SocketAddress?>(nil)

    /// - Parameters:
    ///   - group: the event loops for the sockets (the data plane's, or the singleton).
    ///   - onListening: called with the UDP address once both listeners are bound (tests, readiness).
    public init(
        settings: DNSSettings, table: DNSTable? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger,
        metrics: DNSMetrics = DNSMetrics(), onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) {
        self.settings = settings
        self.group = group
        self.logger = logger
        self.metrics = metrics
        self.onListening = onListening
        self.responder = Mutex(
            DNSResponder(table: table ?? DNSTable(domain: settings.clusterDomain), ttl: settings.ttl))
    }

    /// Answers from `table` from the next query on.
    public func update(_ table: DNSTable) {
        responder.withLock { $0.table = table }
        metrics.recordNames(table.entries.count)
    }

    /// The table answering now.
    public var table: DNSTable { responder.withLock { $0.table } }

    /// Where the UDP listener is bound; nil before `run` has bound it.
    public var localAddress: SocketAddress? { listening.withLock { $0 } }

    public func run() async throws {
        let udp = try await bindUDP()
        let port = udp.channel.localAddress?.port ?? settings.port
        let tcp: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>?
        do {
            tcp = settings.tcp ? try await bindTCP(port: port) : nil
        } catch {
            try? await udp.channel.close()
            throw error
        }
        if let address = udp.channel.localAddress {
            listening.withLock { $0 = address }
            logger.info(
                "DNS server listening",
                metadata: [
                    "dns.address": "\(address)", "dns.tcp": "\(tcp != nil)",
                    "dns.upstreams": "\(settings.upstreams.map(\.description).joined(separator: ","))",
                ])
            onListening(address)
        }
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await self.serveUDP(udp) }
                if let tcp { group.addTask { try await self.serveTCP(tcp) } }
            }
        } onCancelOrGracefulShutdown: {
            udp.channel.close(promise: nil)
            tcp?.channel.close(promise: nil)
        }
        listening.withLock { $0 = nil }
    }

    /// The decision for one query, with the table of this moment.
    func decide(_ query: [UInt8]) -> DNSResponder.Decision {
        responder.withLock { $0 }.decide(query)
    }

    func serverFailure(for query: [UInt8]) -> [UInt8]? {
        try? responder.withLock { $0 }.serverFailure(for: query)?.encoded()
    }

    var forwarder: DNSForwarder {
        DNSForwarder(
            upstreams: settings.upstreams, timeout: settings.upstreamTimeout, socketMark: settings.upstreamSocketMark,
            group: group)
    }

    func record(_ outcome: DNSOutcome) {
        metrics.record(outcome)
    }

    var limits: DNSSettings { settings }

    var eventLoopGroup: any EventLoopGroup { group }
}
