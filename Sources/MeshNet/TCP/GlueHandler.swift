import NIOCore

/// One of a pair of handlers that join two channels on the same event loop into a relay: what one
/// channel reads the other writes (flushed on read-complete), counting the bytes.
///
/// Back-pressure: a `read()` is held back while the partner's channel is not writable and issued
/// when it becomes writable again, so a slow side stops the fast side's reads instead of buffering
/// without bound. Half-close: end of input on one side shuts the partner's output (with
/// `allowRemoteHalfClosure` on both channels); NIO closes a channel fully once both halves are shut.
/// Any error or close on one side closes both. Same pattern as swift-nio's connect-proxy example.
final class GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    /// Bytes this handler's channel read and handed to the partner.
    private(set) var bytesRead = 0

    private init() {}

    /// A pair joined to each other; add one to each channel's pipeline.
    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    private func partnerWrite(_ buffer: ByteBuffer) {
        context?.write(NIOAny(buffer), promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    private func partnerWriteEOF() {
        guard let context else { return }
        let promise = context.eventLoop.makePromise(of: Void.self)
        // A channel that cannot half-close (or already closed its output) is closed whole instead.
        promise.futureResult.assumeIsolated().whenFailure { [weak self] _ in self?.context?.close(promise: nil) }
        context.close(mode: .output, promise: promise)
    }

    private func partnerCloseFull() {
        context?.close(promise: nil)
    }

    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    private var partnerWritable: Bool {
        context?.channel.isWritable ?? false
    }
}

extension GlueHandler {
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The partner may have been asked to read before this side existed.
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytesRead += buffer.readableBytes
        partner?.partnerWrite(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerCloseFull()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            // Flush before the FIN so the partner's peer gets every byte first.
            partner?.partnerFlush()
            partner?.partnerWriteEOF()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        partner?.partnerCloseFull()
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            partner?.partnerBecameWritable()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.partnerWritable {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
