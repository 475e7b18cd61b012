import NIOCore
import NIOHTTP1
import NIOHTTP2

/// One HTTP/2 connection to an upstream endpoint, owned by one event loop's `ClusterRuntime`:
/// h2c with prior knowledge over plain TCP, or `h2` agreed by ALPN over TLS. Every request gets its
/// own stream, wrapped as an `UpstreamConnection` whose channel is the stream channel, with NIO's
/// `HTTP2FramePayloadToHTTP1ClientCodec` in front of the same `UpstreamResponseHandler` HTTP/1.1
/// connections use: the exchange sees HTTP/1-shaped parts (trailers included) either way.
///
/// The session counts as one connection of the cluster (connection limit, circuit breaker) from
/// the moment it starts connecting until its channel closes. Requests that arrive while it
/// connects wait in `queued` until the server's first SETTINGS says how many streams it takes.
final class UpstreamHTTP2Session {
    let endpoint: UpstreamEndpoint
    var capacity: HTTP2SessionCapacity
    /// When the session was made (the cluster's `maxConnectionDuration` counts from here).
    let openedAt: NIODeadline = .now()
    /// Set once TCP (and TLS) is up.
    private(set) var channel: (any Channel)?
    private var multiplexer: NIOHTTP2Handler.StreamMultiplexer?
    /// `https` over TLS: the `:scheme` of the streams.
    private let scheme: HTTP2FramePayloadToHTTP1ClientCodec.HTTPProtocol
    /// Requests waiting for the session to become ready.
    var queued = CircularBuffer<ClusterRuntime.Acquired>()
    /// Fires if the session is not ready within the connect timeout.
    var connectTimer: Scheduled<Void>?
    /// The session still counts as one of the cluster's connections (until its end is accounted).
    var holdsSlot = true

    init(endpoint: UpstreamEndpoint, maxStreams: Int?, maxConcurrentStreams: Int?, tls: Bool) {
        self.endpoint = endpoint
        self.capacity = HTTP2SessionCapacity(maxStreams: maxStreams, localLimit: maxConcurrentStreams, now: .now())
        self.scheme = tls ? .https : .http
    }

    var isClosed: Bool { capacity.phase == .closed }

    /// Adds the HTTP/2 handlers to a connected channel (on its event loop). Root-stream frames
    /// (SETTINGS, GOAWAY) and the channel's end go to `events`.
    func start(on channel: any Channel, events: HTTP2SessionHandler) throws {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        // No server push; Envoy's window sizes, so bodies are not held up by WINDOW_UPDATE round trips.
        connection.initialSettings = [
            HTTP2Setting(parameter: .enablePush, value: 0),
            HTTP2Setting(parameter: .initialWindowSize, value: 256 << 10),
        ]
        connection.targetWindowSize = 1 << 20
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = 256 << 10
        let sync = channel.pipeline.syncOperations
        multiplexer = try sync.configureHTTP2Pipeline(
            mode: .client,
            connectionConfiguration: connection,
            streamConfiguration: stream
        ) { pushed in
            // enablePush is 0, so a server never opens a stream; refuse one if it does.
            pushed.close()
        }
        try sync.addHandler(events)
        self.channel = channel
    }

    /// Opens a stream (call when `capacity.canOpenStream`); `done` gets it as a connection.
    /// `closed` runs once when the stream channel closes, however it ends.
    func openStream(_ done: @escaping ClusterRuntime.Acquired, closed: @escaping () -> Void) {
        let reused = capacity.started > 0
        capacity.streamOpened()
        guard let multiplexer, let eventLoop = channel?.eventLoop else {
            closed()
            return done(.failure(ProxyFailure.connectFailed(ChannelError.ioOnClosedChannel)), false)
        }
        let scheme = self.scheme
        let endpoint = self.endpoint
        let promise = eventLoop.makePromise(of: (any Channel).self)
        promise.futureResult.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let streamChannel):
                streamChannel.closeFuture.assumeIsolated().whenComplete { _ in closed() }
                do {
                    let handler = try streamChannel.pipeline.syncOperations.handler(type: UpstreamResponseHandler.self)
                    done(
                        .success(
                            UpstreamConnection(
                                stream: streamChannel,
                                endpoint: endpoint,
                                handler: handler,
                                session: self
                            )
                        ),
                        reused
                    )
                } catch {
                    streamChannel.close(promise: nil)
                    done(.failure(ProxyFailure.connectFailed(error)), false)
                }
            case .failure(let error):
                closed()
                done(.failure(ProxyFailure.connectFailed(error)), false)
            }
        }
        multiplexer.createStreamChannel(promise: promise) { streamChannel in
            streamChannel.eventLoop.makeCompletedFuture {
                let sync = streamChannel.pipeline.syncOperations
                try sync.addHandler(HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: scheme))
                try sync.addHandler(UpstreamResponseHandler())
            }
        }
    }

    /// Says GOAWAY (no error) and closes the connection: idle for too long, or drained.
    func close() {
        capacity.closed()
        connectTimer?.cancel()
        connectTimer = nil
        guard let channel, channel.isActive else {
            channel?.close(promise: nil)
            return
        }
        let goAway = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(lastStreamID: .rootStream, errorCode: .noError, opaqueData: nil)
        )
        channel.writeAndFlush(goAway).assumeIsolated().whenComplete { _ in channel.close(promise: nil) }
    }
}
