import HummingbirdCore
import Logging
import NIOCore

/// The console's HTTP/1 child channel with a deadline on a connection's first request head
/// (`console.requestHeaderTimeout`): from the moment the connection is set up, the TLS handshake
/// included, until the head's blank line. Later requests on a kept-alive connection are bounded by
/// the idle timeout. Slowloris clients and stalled handshakes give their descriptor back in seconds
/// instead of holding one of `console.maxConnections` for the whole idle timeout.
struct RequestHeadTimeoutChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let timeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestHeadTimeoutHandler(timeout: timeout))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Closes the connection unless the bytes it reads hold the end of a request head (`CRLF CRLF`,
/// or `LF LF`, which HTTP/1 parsers accept) within `timeout`; after that it only passes bytes on.
final class RequestHeadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var headSeen = false
    /// The last bytes read, so that a blank line split across reads is found.
    private var tail: [UInt8] = []

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !headSeen, Self.endsHead(tail: &tail, bytes: unwrapInboundIn(data).readableBytesView) {
            headSeen = true
            disarm()
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil, !headSeen else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    /// Whether `tail` followed by `bytes` holds a blank line; `tail` keeps the last three bytes.
    /// Empty lines before the request line do not count (HTTP parsers skip them, RFC 9112 2.2):
    /// `tail` stays empty until the request line begins, or `\r\n\r\n` first would end the deadline.
    static func endsHead(tail: inout [UInt8], bytes: some Collection<UInt8>) -> Bool {
        let window = tail.isEmpty ? Array(bytes.drop { $0 == 13 || $0 == 10 }) : tail + bytes
        defer { tail = Array(window.suffix(3)) }
        var previous: [UInt8] = []
        for byte in window {
            previous.append(byte)
            if previous.count > 4 { previous.removeFirst() }
            if previous.suffix(2) == [10, 10] || previous == [13, 10, 13, 10] { return true }
        }
        return false
    }
}
