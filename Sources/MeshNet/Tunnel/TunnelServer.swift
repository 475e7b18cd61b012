public import Logging
public import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// The inbound end of the node-to-node tunnel (Istio ambient's HBONE): mutual TLS with a client
/// certificate chained to the mesh trust bundle, HTTP/2 only (ALPN `h2`), and on it `CONNECT`
/// streams to `ip:port` endpoints, each decided by the caller's callback and then relayed byte
/// for byte to the endpoint (see `TunnelServerStream` for the answers).
///
/// ```
/// connection: NIOSSLServerHandler → PeerIdentityHandler → TunnelHandshakeGuard → NIOHTTP2Handler
/// stream:     TunnelServerStream (→ TunnelStreamFramer → GlueHandler ⇄ target)
/// ```
///
/// Everything per connection and per stream runs on the connection's event loop, with no lock; the
/// decision callback is called there too, so it must not block (a compiled policy lookup, not I/O).
public final class TunnelServer: Sendable {
    public struct Configuration: Sendable {
        /// Streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
        public var maxConcurrentStreams = 100
        /// A connection without an open stream for this long is closed (GOAWAY first); nil: never.
        public var connectionIdleTimeout: TimeAmount? = .minutes(5)
        /// A stream whose relay moved no byte either way for this long is closed; nil: never.
        public var streamIdleTimeout: TimeAmount? = .hours(1)
        /// A connection that has not finished its TLS handshake this long after accept is closed.
        public var handshakeTimeout: TimeAmount = .seconds(10)
        /// How long the connection to a stream's target may take before the stream is answered 503.
        public var connectTimeout: TimeAmount = .seconds(10)
        /// Opens the connections to targets (the proxy's socket mark).
        public var dialer = UpstreamDialer()

        public init() {}
    }

    /// Counts since start, for metrics and benchmarks.
    public struct Stats: Sendable, Hashable {
        /// TLS handshakes completed with ALPN `h2` (one per tunnel connection).
        public var handshakes: Int
        /// Well-formed CONNECT requests handed to the decision callback.
        public var streams: Int
        /// Of those, denied (403).
        public var denied: Int
        /// Of those, allowed but the target refused or timed out (503).
        public var unreachable: Int
    }

    /// Decides one stream, on the connection's event loop.
    public typealias Decide = @Sendable (TunnelRequest) -> TunnelDecision

    struct StreamSettings: Sendable {
        var decide: Decide
        var dialer: UpstreamDialer
        var connectTimeout: TimeAmount
        var streamIdleTimeout: TimeAmount?
        var logger: Logger
        var counters: Counters
    }

    final class Counters: Sendable {
        let handshakes = Atomic(0)
        let streams = Atomic(0)
        let denied = Atomic(0)
        let unreachable = Atomic(0)
    }

    public let configuration: Configuration
    private let credentials: TunnelCredentials
    private let streamSettings: StreamSettings

    /// - Parameters:
    ///   - credentials: the server's certificate and the trust bundle clients must chain to; update
    ///     it to renew (new connections present the new certificate).
    ///   - decide: allows or denies each stream.
    public init(
        configuration: Configuration = Configuration(),
        credentials: TunnelCredentials,
        logger: Logger = Logger(label: "meshbox.tunnel"),
        decide: @escaping Decide
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.streamSettings = StreamSettings(
            decide: decide, dialer: configuration.dialer, connectTimeout: configuration.connectTimeout,
            streamIdleTimeout: configuration.streamIdleTimeout, logger: logger, counters: Counters())
    }

    public var stats: Stats {
        let counters = streamSettings.counters
        return Stats(
            handshakes: counters.handshakes.load(ordering: .relaxed),
            streams: counters.streams.load(ordering: .relaxed),
            denied: counters.denied.load(ordering: .relaxed),
            unreachable: counters.unreachable.load(ordering: .relaxed))
    }

    /// Listens on `host:port` (the mesh's 15008 by default) until the returned channel is closed.
    public func bind(host: String, port: Int = 15008, group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel) }
            }
            .bind(host: host, port: port).get()
    }

    /// Adds the tunnel's handlers to an accepted connection, on its event loop: for a listener the
    /// caller owns (e.g. one the data plane already runs).
    public func configure(_ channel: any Channel) throws {
        let material = credentials.current
        let reported = HandshakeReport()
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(
            material.verifier.makeServerHandler(
                context: material.serverContext, peerAddress: channel.remoteAddress, reported: reported))
        try sync.addHandler(PeerIdentityHandler(verifier: material.verifier, reported: reported))
        let counters = streamSettings.counters
        try sync.addHandler(
            TunnelHandshakeGuard(timeout: configuration.handshakeTimeout, logger: streamSettings.logger) {
                counters.handshakes.add(1, ordering: .relaxed)
            })
        let idle = TunnelIdleTimeout(channel: channel, timeout: configuration.connectionIdleTimeout)
        let settings = streamSettings
        _ = try sync.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: Self.connectionConfiguration(
                maxConcurrentStreams: configuration.maxConcurrentStreams, client: false),
            streamConfiguration: Self.streamConfiguration,
            streamDelegate: idle
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(TunnelServerStream(settings: settings))
            }
        }
        idle.start()
    }

    /// Large windows (Envoy's and ztunnel's habit), so a relay is not held up by WINDOW_UPDATE round
    /// trips; a client refuses server push.
    static func connectionConfiguration(maxConcurrentStreams: Int?, client: Bool) -> NIOHTTP2Handler.ConnectionConfiguration {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20)]
        if client { connection.initialSettings.append(HTTP2Setting(parameter: .enablePush, value: 0)) }
        if let maxConcurrentStreams {
            connection.initialSettings.append(HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams))
        }
        connection.targetWindowSize = 4 << 20
        return connection
    }

    static var streamConfiguration: NIOHTTP2Handler.StreamConfiguration {
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = 1 << 20
        return stream
    }
}
