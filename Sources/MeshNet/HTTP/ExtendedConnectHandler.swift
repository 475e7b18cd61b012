import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2

/// The first handler of every HTTP/2 stream, in front of NIO's HTTP/1 view of it: turns a
/// WebSocket extended CONNECT (RFC 8441) into the GET handshake the rest of the pipeline routes
/// and forwards, answers any other CONNECT itself, and steps out of the way for everything else
/// (it removes itself at the first HEADERS of an ordinary request).
///
/// A WebSocket stream goes through these modes:
/// - handshaking: the rewritten HEADERS went on to `HTTPProxyHandler`. DATA the client sends
///   early is held back (the upstream has not agreed to anything yet). A response written back
///   is the upstream's refusal (or the gateway's own 4xx/5xx) and reaches the client with its
///   status; a 2xx there would tell the client its tunnel is open, so it becomes 502.
/// - relaying: the upstream answered 101; `ExtendedConnectTunnel` has replaced the HTTP handlers
///   behind this one by a byte relay, this handler sent `:status 200` and passes frames through.
/// - answered: a response ended the stream without a tunnel.
final class ExtendedConnectHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    enum Mode: Equatable {
        case awaitingHeaders
        case handshaking
        case relaying
        case answered
    }

    /// DATA the client may send before the tunnel is open; more resets the stream.
    static let maximumEarlyBytes = 64 << 10

    private(set) var mode = Mode.awaitingHeaders
    /// The key sent upstream; its accept value must come back with the 101.
    private(set) var key: WebSocketHandshakeKey?
    private var early: [HTTP2Frame.FramePayload] = []
    private var earlyBytes = 0
    /// The client ended its side (END_STREAM).
    private var inputEnded = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        switch mode {
        case .awaitingHeaders:
            guard case .headers(var headers) = payload else { return context.fireChannelRead(data) }
            inputEnded = headers.endStream
            switch ExtendedConnectRequest.classify(headers.headers) {
            case .ordinary:
                context.fireChannelRead(data)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            case .webSocket(let rewritten, let key):
                self.key = key
                mode = .handshaking
                headers.headers = rewritten
                context.fireChannelRead(wrapInboundOut(.headers(headers)))
            case .refused(let status, let message):
                answer(status: status, message: message)
            }
        case .handshaking:
            switch payload {
            case .data(let frame):
                if frame.endStream { inputEnded = true }
                earlyBytes += frame.data.readableBytes
                guard earlyBytes <= Self.maximumEarlyBytes else {
                    mode = .answered
                    context.writeAndFlush(wrapOutboundOut(.rstStream(.enhanceYourCalm)), promise: nil)
                    return
                }
                early.append(payload)
            case .headers(let trailers):
                if trailers.endStream { inputEnded = true }
            default:
                context.fireChannelRead(data)
            }
        case .relaying:
            context.fireChannelRead(data)
        case .answered:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard mode == .handshaking else { return context.write(data, promise: promise) }
        switch unwrapOutboundIn(data) {
        case .headers(var headers):
            if let status = headers.headers.first(name: ":status"), status.hasPrefix("2") {
                // Pseudo-header fields come first: rebuilt in order, not replaced at the end.
                var replaced = HPACKHeaders()
                for (name, value, indexing) in headers.headers {
                    replaced.add(name: name, value: name == ":status" ? "502" : value, indexing: indexing)
                }
                headers.headers = replaced
            }
            if headers.endStream { return writeLast(.headers(headers), context: context, promise: promise) }
            context.write(wrapOutboundOut(.headers(headers)), promise: promise)
        case .data(let frame) where frame.endStream:
            writeLast(.data(frame), context: context, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    /// Writes the frame that ends a response without a tunnel. A client still sending (a CONNECT
    /// stream stays open for the tunnel it hoped for) is then told to stop without error (RST_STREAM
    /// NO_ERROR, RFC 9113 §8.1), which also frees the stream.
    private func writeLast(_ frame: HTTP2Frame.FramePayload, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        mode = .answered
        early = []
        guard !inputEnded else { return context.write(wrapOutboundOut(frame), promise: promise) }
        // RST_STREAM overtakes DATA still queued for flow control: it goes once the end is out.
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { result in
            if case .success = result { context.writeAndFlush(self.wrapOutboundOut(.rstStream(.noError)), promise: nil) }
        }
        written.futureResult.cascade(to: promise)
        context.write(wrapOutboundOut(frame), promise: written)
    }

    // MARK: Called by ExtendedConnectTunnel

    /// The upstream agreed: `:status 200` with the headers of its 101 the client may see
    /// (`Sec-WebSocket-Protocol`, `-Extensions`, the route's response headers); from now on
    /// frames pass through to the relay.
    func tunnelEstablished(_ upstream: HTTPResponseHead) {
        guard let context, mode == .handshaking else { return }
        mode = .relaying
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: "200")
        for (name, value) in upstream.headers {
            let lower = name.lowercased()
            switch lower {
            case "connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding", "content-length",
                "sec-websocket-accept":
                continue
            default:
                headers.add(name: lower, value: value)
            }
        }
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
    }

    /// Hands what the client sent before the tunnel opened to the relay, now in place.
    func replayEarlyInput() {
        guard let context, mode == .relaying else { return }
        let frames = early
        early = []
        for frame in frames { context.fireChannelRead(wrapInboundOut(frame)) }
        if inputEnded, !frames.contains(where: { if case .data(let d) = $0 { d.endStream } else { false } }) {
            context.fireChannelRead(wrapInboundOut(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))))
        }
        if !frames.isEmpty || inputEnded { context.fireChannelReadComplete() }
    }

    /// Answers the stream from here and ends it (no tunnel).
    func answer(status: Int, message: String) {
        guard let context else { return }
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: String(status))
        headers.add(name: "content-type", value: "text/plain")
        headers.add(name: "content-length", value: String(message.utf8.count))
        context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
        let body = context.channel.allocator.buffer(string: message)
        writeLast(.data(.init(data: .byteBuffer(body), endStream: true)), context: context, promise: nil)
        context.flush()
    }
}
