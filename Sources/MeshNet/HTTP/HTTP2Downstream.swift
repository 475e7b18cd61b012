import NIOCore
import NIOHTTP1
import NIOHTTP2

/// HTTP/2 from clients (h2c with prior knowledge, or `h2` agreed by ALPN): NIO's HTTP/2 handler
/// and stream multiplexer on the connection, and on every stream the HTTP/1 view of it
/// (`HTTP2FramePayloadToHTTP1ServerCodec`) in front of the same `HTTPProxyHandler` HTTP/1.1
/// connections use. Upstreams are spoken to over HTTP/1.1 from the same per-loop pools.
/// `ExtendedConnectHandler` leads each stream's pipeline: WebSocket over HTTP/2 (RFC 8441).
enum HTTP2Downstream {
    /// Adds the HTTP/2 handlers at the end of `channel`'s pipeline.
    static func configure(
        _ channel: any Channel, listenerName: String, routeConfigurationName: String, scheme: String, port: Int,
        state: LoopState, peerSPIFFEID: String? = nil, forwardedClientCert: String? = nil
    ) throws {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: state.settings.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: state.settings.maxRequestHeaderBytes),
            // RFC 8441: clients may open WebSocket tunnels with extended CONNECT (ExtendedConnectHandler).
            HTTP2Setting(parameter: .enableConnectProtocol, value: 1),
        ]
        // Envoy's defaults: large windows, so that a body is not held up by WINDOW_UPDATE round trips.
        connection.targetWindowSize = 1 << 20
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = 256 << 10
        let idle = HTTP2IdleTimeout(
            channel: channel, idleTimeout: state.settings.idleTimeout, firstStreamTimeout: state.settings.requestHeaderTimeout)
        // Streams run on the connection's event loop, where the loop's state lives.
        let loopState = NIOLoopBound(state, eventLoop: channel.eventLoop)
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connection, streamConfiguration: stream, streamDelegate: idle
        ) { streamChannel in
            streamChannel.eventLoop.makeCompletedFuture {
                let state = loopState.value
                let sync = streamChannel.pipeline.syncOperations
                try sync.addHandler(ExtendedConnectHandler())
                try sync.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                if let compressor = ResponseCompression.handler(for: routeConfigurationName, in: state.config) {
                    try sync.addHandler(compressor)
                }
                try sync.addHandler(
                    HTTPProxyHandler(
                        state: state, listenerName: listenerName, routeConfigurationName: routeConfigurationName,
                        scheme: scheme, listenerPort: port, timeouts: streamTimeouts(state.settings), http2: true,
                        peerSPIFFEID: peerSPIFFEID,
                        forwardedClientCert: forwardedClientCert))
            }
        }
        try channel.pipeline.syncOperations.addHandler(CloseOnInputClosed())
        idle.start(listedIn: state.idleConnections)
    }

    /// A stream's request-body and stream idle timeouts; nil when both are off.
    private static func streamTimeouts(_ settings: ProxySettings) -> ConnectionTimeouts? {
        guard settings.streamIdleTimeout > .zero || settings.requestBodyTimeout > .zero else { return nil }
        return ConnectionTimeouts(settings: settings, stream: true)
    }
}

/// Listeners allow half-closure (for TCP relays); an HTTP/2 client that shut its side sends no
/// more frames, so its connection closes (streams still open are reset by the HTTP/2 handler).
final class CloseOnInputClosed: ChannelInboundHandler {
    typealias InboundIn = Any

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let channelEvent = event as? ChannelEvent, case .inputClosed = channelEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Closes an HTTP/2 connection that has had no open stream for the idle timeout (and one that
/// opens no stream at all within the request-header timeout), saying so with GOAWAY first.
/// Without an open stream the connection may make room for a newer one at the connection limit
/// (`IdleConnections`). NIO calls the delegate on the connection's event loop.
final class HTTP2IdleTimeout: ListedConnection, NIOHTTP2StreamDelegate, @unchecked Sendable {
    private let channel: any Channel
    private let idleTimeout: TimeAmount
    private let firstStreamTimeout: TimeAmount
    private var openStreams = 0
    private var timer: Scheduled<Void>?

    init(channel: any Channel, idleTimeout: TimeAmount, firstStreamTimeout: TimeAmount) {
        self.channel = channel
        self.idleTimeout = idleTimeout
        self.firstStreamTimeout = firstStreamTimeout
        super.init()
    }

    override var isIdle: Bool { openStreams == 0 }

    func start(listedIn idleConnections: IdleConnections) {
        arm(min(firstStreamTimeout, idleTimeout))
        register(in: idleConnections, channel: channel)
        channel.closeFuture.assumeIsolatedUnsafeUnchecked().whenComplete { _ in
            self.timer?.cancel()
            self.timer = nil
            self.unregister()
        }
    }

    func streamCreated(_ id: HTTP2StreamID, channel: any Channel) {
        openStreams += 1
        timer?.cancel()
        timer = nil
    }

    func streamClosed(_ id: HTTP2StreamID, channel: any Channel) {
        openStreams -= 1
        if openStreams == 0 { arm(idleTimeout) }
    }

    private func arm(_ delay: TimeAmount) {
        timer?.cancel()
        timer = channel.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: delay) { [self] in
            timer = nil
            guard openStreams == 0, channel.isActive else { return }
            let goAway = HTTP2Frame(
                streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil))
            let channel = self.channel
            channel.writeAndFlush(goAway).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
