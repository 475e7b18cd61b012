import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection to an upstream endpoint, owned by one event loop's pool. It carries
/// one exchange at a time and goes back to the pool after a clean, keep-alive response.
///
/// Or one stream of an HTTP/2 session (`session` set): `channel` is then the stream channel,
/// which speaks HTTP/1-shaped parts through NIO's codec; it carries one exchange and ends with it
/// (the pool's `release` lets it finish, `discard` resets it).
final class UpstreamConnection {
    let channel: any Channel
    let endpoint: UpstreamEndpoint
    let handler: UpstreamResponseHandler
    /// The HTTP/2 session this stream belongs to; nil for an HTTP/1.1 connection.
    let session: UpstreamHTTP2Session?
    /// Requests sent on this connection so far (for the cluster's `maxRequestsPerConnection`).
    var requestCount = 0
    var idleSince: NIODeadline = .now()
    /// When the connection was made (the cluster's `maxConnectionDuration` counts from here).
    let openedAt: NIODeadline = .now()
    var isClosed = false
    /// The pool has given this connection's slot back (connection limit, circuit breaker). Apart
    /// from `isClosed`, which a close by the upstream sets before the pool hears of it.
    var released = false
    /// Called once when the connection closes while it sits idle in the pool.
    var onIdleClose: ((UpstreamConnection) -> Void)?
    /// The engine's HTTP/1.1 codec of this connection: request parts go to it by direct calls.
    /// Nil for an HTTP/2 stream, whose parts go through the stream channel's NIO codec.
    let codec: HTTP1ClientCodec?

    init(channel: any Channel, endpoint: UpstreamEndpoint, handler: UpstreamResponseHandler, codec: HTTP1ClientCodec?) {
        self.channel = channel
        self.endpoint = endpoint
        self.handler = handler
        self.session = nil
        self.codec = codec
        handler.connection = self
    }

    /// One stream of `session`.
    init(
        stream: any Channel, endpoint: UpstreamEndpoint, handler: UpstreamResponseHandler, session: UpstreamHTTP2Session
    ) {
        self.channel = stream
        self.endpoint = endpoint
        self.handler = handler
        self.session = session
        self.codec = nil
        handler.connection = self
    }

    func write(_ part: HTTPClientRequestPart) {
        if let codec {
            codec.write(part)
        } else {
            channel.write(part, promise: nil)
        }
    }

    func flush() {
        if let codec {
            codec.flush()
        } else {
            channel.flush()
        }
    }

    /// Back-pressure from a slow client; an idle connection always reads (to notice a close).
    func setReading(_ on: Bool) {
        guard on == readingPaused else { return }
        readingPaused = !on
        _ = channel.setOption(.autoRead, value: on)
    }

    private var readingPaused = false

    func close() {
        guard !isClosed else { return }
        isClosed = true
        handler.exchange = nil
        channel.close(promise: nil)
    }
}

/// The last handler of an upstream connection: hands response parts (from `HTTP1ClientCodec` by
/// direct calls, or from an HTTP/2 stream's NIO codec through the pipeline) and connection events
/// to the exchange the connection currently serves.
final class UpstreamResponseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    // Strong references, let go when the handler leaves the pipeline (which every close does):
    // a weak one gives its object a side table, and every retain of it the slow path.
    var connection: UpstreamConnection?
    /// The exchange being served; nil while the connection is idle in the pool.
    var exchange: (any UpstreamExchange)?
    /// A client connection whose response ended in this read and waits for its flush.
    var pendingFlush: HTTPProxyHandler?

    func handlerRemoved(context: ChannelHandlerContext) {
        connection = nil
        exchange = nil
        pendingFlush = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deliver(unwrapInboundIn(data))
    }

    func deliver(_ part: HTTPClientResponsePart) {
        guard let exchange else { return }
        exchange.upstreamReceived(part)
    }

    /// A final head from `HTTP1ClientCodec`, its fields still bytes.
    func deliverHead(_ head: RawResponseHead) {
        guard let exchange else { return }
        exchange.upstreamReceivedHead(head)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let pending = pendingFlush {
            pendingFlush = nil
            pending.flush()
        }
        exchange?.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        exchange?.upstreamWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A response ended by this close (a body delimited by it) waits for this flush, even when
        // its connection has already been let go.
        if let pending = pendingFlush {
            pendingFlush = nil
            pending.flush()
        }
        guard let connection else { return }
        connection.isClosed = true
        if let exchange {
            self.exchange = nil
            exchange.upstreamClosed(connection)
        } else if let onIdleClose = connection.onIdleClose {
            connection.onIdleClose = nil
            onIdleClose(connection)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed response or a reset: the exchange learns it from channelInactive.
        exchange?.upstreamFailed(error)
        context.close(promise: nil)
    }
}

/// What an upstream connection reports to: a proxied request or a mirrored copy.
protocol UpstreamExchange: AnyObject {
    func upstreamReceived(_ part: HTTPClientResponsePart)
    /// A final HTTP/1 response head kept as its bytes; by default it becomes `.head`.
    func upstreamReceivedHead(_ head: RawResponseHead)
    func upstreamReadComplete()
    func upstreamWritabilityChanged(_ writable: Bool)
    func upstreamClosed(_ connection: UpstreamConnection)
    func upstreamFailed(_ error: any Error)
}

extension UpstreamExchange {
    func upstreamReceivedHead(_ head: RawResponseHead) {
        upstreamReceived(.head(head.head()))
    }
}
