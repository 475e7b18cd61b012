import NIOCore

/// Holds what a captured connection delivers before its tunnel stream is up. `autoRead` off
/// is not enough: when the peer half-closes, NIO reads everything up to the EOF at once, whatever
/// `autoRead` says, so a fast client's request and FIN would reach a pipeline with nowhere to go.
/// `release()` hands the bytes (and the end of input) to the handlers added after it, then leaves.
final class HeldInput: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var held: [ByteBuffer] = []
    private var inputClosed = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        held.append(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            inputClosed = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Replays the held bytes and end of input to the next handlers and removes itself.
    func release() {
        guard let context else { return }
        let held = self.held
        self.held = []
        for buffer in held { context.fireChannelRead(wrapInboundOut(buffer)) }
        if !held.isEmpty { context.fireChannelReadComplete() }
        if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
