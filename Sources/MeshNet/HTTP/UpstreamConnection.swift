import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection to an upstream endpoint, owned by one event loop's pool. It carries
/// one exchange at a time and goes back to the pool after a clean, keep-alive response.
final class UpstreamConnection {
    let channel: any Channel
    let endpoint: UpstreamEndpoint
    let handler: UpstreamResponseHandler
    /// Requests sent on this connection so far (for the cluster's `maxRequestsPerConnection`).
    var requestCount = 0
    var idleSince: NIODeadline = .now()
    var isClosed = false
    /// Called once when the connection closes while it sits idle in the pool.
    var onIdleClose: ((UpstreamConnection) -> Void)?

    init(channel: any Channel, endpoint: UpstreamEndpoint, handler: UpstreamResponseHandler) {
        self.channel = channel
        self.endpoint = endpoint
        self.handler = handler
        handler.connection = self
    }

    func write(_ part: HTTPClientRequestPart) {
        channel.write(NIOAny(part), promise: nil)
    }

    func flush() {
        channel.flush()
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

/// The last handler of an upstream connection: hands response parts and connection events to
/// the exchange the connection currently serves.
final class UpstreamResponseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    weak var connection: UpstreamConnection?
    /// The exchange being served; nil while the connection is idle in the pool.
    var exchange: (any UpstreamExchange)?
    /// A client connection whose response ended in this read and waits for its flush.
    weak var pendingFlush: HTTPProxyHandler?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else { return }
        exchange.upstreamReceived(unwrapInboundIn(data))
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
        guard let connection else { return }
        connection.isClosed = true
        if let pending = pendingFlush {
            pendingFlush = nil
            pending.flush()
        }
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
    func upstreamReadComplete()
    func upstreamWritabilityChanged(_ writable: Bool)
    func upstreamClosed(_ connection: UpstreamConnection)
    func upstreamFailed(_ error: any Error)
}
