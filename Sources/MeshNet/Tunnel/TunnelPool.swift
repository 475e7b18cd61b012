public import Logging
public import NIOCore
public import NIOHPACK
import NIOHTTP2

/// The outbound end of the node-to-node tunnel: HTTP/2 CONNECT streams over mutual TLS to
/// destination nodes (port 15008), pooled by (source identity, destination node). A pair shares
/// one connection, its streams multiplexed, until it carries `maxStreamsPerConnection` (or the
/// server's lower SETTINGS limit); the next stream then opens another connection. A connection
/// without a stream for `idleTimeout` is closed (GOAWAY first).
///
/// One pool per event loop, like the engine's upstream pools: its state is confined to
/// `eventLoop`, so opening a stream takes no lock, and a captured connection accepted on that loop
/// is joined to a stream without hops. Methods may be called from anywhere; they hop to the loop.
public final class TunnelPool: @unchecked Sendable {
    // @unchecked: every mutable member is touched only on `eventLoop`.
    public struct Configuration: Sendable {
        public var maxStreamsPerConnection = 100
        /// A connection without an open stream for this long is closed; nil: never.
        public var idleTimeout: TimeAmount? = .minutes(5)
        /// For the TCP connect to the node and, separately, its TLS handshake.
        public var connectTimeout: TimeAmount = .seconds(10)
        /// Opens the connections to nodes: the capture's socket mark (SO_MARK) goes here.
        public var dialer = UpstreamDialer()

        public init() {}
    }

    /// Counts since the pool was made. Handshakes avoided by reuse: `streamsRequested - handshakes`.
    public struct Stats: Sendable, Hashable {
        /// Tunnel connections started.
        public var connectionsOpened = 0
        /// TLS handshakes completed with ALPN `h2`.
        public var handshakes = 0
        /// Streams asked for (`open`, `relay`).
        public var streamsRequested = 0
        /// Streams the destination answered 200.
        public var streamsEstablished = 0
        /// Tunnel connections open now.
        public var openConnections = 0
    }

    /// What connections are shared by: the certificate presented and the node dialled.
    public struct Key: Hashable, Sendable {
        public var source: String
        public var node: SocketAddress
    }

    public let eventLoop: any EventLoop
    public let configuration: Configuration
    let logger: Logger
    var connections: [Key: [TunnelClientConnection]] = [:]
    var counts = Stats()

    public init(eventLoop: any EventLoop, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "meshbox.tunnel")) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.logger = logger
    }

    /// The counts so far.
    public func stats() -> EventLoopFuture<Stats> {
        eventLoop.submit { self.currentStats }
    }

    private var currentStats: Stats {
        var stats = counts
        stats.openConnections = connections.values.reduce(0) { $0 + $1.count }
        return stats
    }

    /// Opens a stream to `target` (an endpoint's `ip:port`) through `node` (its node's tunnel port),
    /// presenting `credentials`. It sends `Forwarded: for=<client ip>` when `client` is given, and
    /// `headers` as they are (`traceparent` among them). Succeeds once the destination answered 200.
    public func open(
        target: SocketAddress,
        node: SocketAddress,
        credentials: TunnelCredentials,
        client: SocketAddress? = nil,
        headers: HPACKHeaders = [:]
    ) -> EventLoopFuture<TunnelStream> {
        guard eventLoop.inEventLoop else {
            return eventLoop.flatSubmit {
                self.open(target: target, node: node, credentials: credentials, client: client, headers: headers)
            }
        }
        guard let authority = TunnelAuthority.format(target) else {
            return eventLoop.makeFailedFuture(TunnelError(.connectFailed, "tunnel target \(target) is not an IP address"))
        }
        counts.streamsRequested += 1
        let material = credentials.current
        let key = Key(source: material.spiffeID, node: node)
        let connection = connections[key]?.first(where: \.hasCapacity) ?? connect(key, material: material)
        connection.reserve()
        var request = HPACKHeaders([(":method", "CONNECT"), (":authority", authority)])
        if let forwarded = client.flatMap(TunnelAuthority.forwardedFor) { request.add(name: "forwarded", value: forwarded) }
        request.add(contentsOf: headers)
        let description = "CONNECT \(authority) via \(node)"
        let promise = eventLoop.makePromise(of: TunnelStream.self)
        connection.whenReady { result in
            switch result {
            case .failure(let error):
                connection.release()
                promise.fail(error)
            case .success(let multiplexer):
                self.startStream(on: connection, multiplexer, request: request, description: description, promise: promise)
            }
        }
        return promise.futureResult
    }

    /// Opens a stream as `open` does and joins it to `downstream` (a captured connection on this
    /// pool's loop, whose remote address is the client `Forwarded` names). `downstream` is closed
    /// when the stream cannot be opened. Succeeds once the relay runs.
    public func relay(
        downstream: any Channel,
        target: SocketAddress,
        node: SocketAddress,
        credentials: TunnelCredentials,
        headers: HPACKHeaders = [:],
        idleTimeout: TimeAmount? = nil
    ) -> EventLoopFuture<Void> {
        guard downstream.eventLoop === eventLoop else {
            downstream.close(promise: nil)
            return eventLoop.makeFailedFuture(
                TunnelError(.wrongEventLoop, "a tunnel pool relays only connections on its own event loop"))
        }
        guard eventLoop.inEventLoop else {
            return eventLoop.flatSubmit {
                self.relay(
                    downstream: downstream, target: target, node: node, credentials: credentials, headers: headers,
                    idleTimeout: idleTimeout)
            }
        }
        // Nothing is read from the client until the stream is there to take it; what NIO reads
        // anyway (all of it, at a half-close) waits in `HeldInput`.
        do {
            try downstream.pipeline.syncOperations.addHandler(HeldInput())
            try downstream.syncOptions?.setOption(.autoRead, value: false)
            try downstream.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
        } catch {
            downstream.close(promise: nil)
            return eventLoop.makeFailedFuture(error)
        }
        let opened = open(
            target: target, node: node, credentials: credentials, client: downstream.remoteAddress, headers: headers)
        return opened.flatMapThrowing { stream in
            guard downstream.isActive else {
                stream.cancel()
                throw TunnelError(.closed, "the client left while CONNECT \(target) was answered")
            }
            do {
                try stream.join(downstream, idleTimeout: idleTimeout)
            } catch {
                stream.cancel()
                throw error
            }
        }.flatMapErrorThrowing { error in
            downstream.close(promise: nil)
            throw error
        }
    }

    /// Says GOAWAY on every connection and closes them; streams still open are reset.
    public func closeAll() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            let channels = self.connections.values.joined().compactMap(\.channel)
            return EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: self.eventLoop)
        }
    }
}
