import NIOCore

/// One of a pair of handlers that join two channels on the same event loop into a relay: what one
/// channel reads the other writes (flushed on read-complete), counting the bytes.
///
/// Back-pressure: a `read()` is held back while the partner's channel is not writable and issued
/// when it becomes writable again, so a slow side stops the fast side's reads instead of buffering
/// without bound. Half-close: end of input on one side shuts the partner's output (with
/// `allowRemoteHalfClosure` on both channels); NIO closes a channel fully once both halves are shut.
/// A close or error on one side closes the other once the bytes relayed to it are written (a peer
/// that never reads keeps it open: bound that with an idle timeout). Same pattern as swift-nio's
/// connect-proxy example, plus the flush before closing.
///
/// Idle timeout: a pair made with one shares a `RelayIdleTimeout`; both channels are closed once
/// neither has read a byte for that long.
final class GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    /// Shared with the partner; nil when the relay has no idle timeout.
    private var idle: RelayIdleTimeout?
    /// Bytes this handler's channel read and handed to the partner.
    private(set) var bytesRead = 0

    private init() {}

    /// A pair joined to each other; add one to each channel's pipeline (both on one event loop).
    /// - Parameter idleTimeout: close both channels after this long without a byte either way;
    ///   nil or zero for none.
    static func matchedPair(idleTimeout: TimeAmount? = nil) -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        if let idleTimeout, idleTimeout > .zero {
            let idle = RelayIdleTimeout(timeout: idleTimeout)
            first.idle = idle
            second.idle = idle
        }
        return (first, second)
    }

    /// Both sides are in their pipelines: the idle clock starts.
    private func startIdleTimeout(on eventLoop: any EventLoop) {
        idle?.start(on: eventLoop) { [weak self] in
            guard let self else { return }
            let partner = self.partner
            self.context?.close(promise: nil)
            partner?.context?.close(promise: nil)
        }
    }

    private func partnerWrite(_ buffer: ByteBuffer) {
        context?.write(NIOAny(buffer), promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    private func partnerWriteEOF() {
        closeAfterPendingWrites(mode: .output)
    }

    private func partnerCloseFull() {
        closeAfterPendingWrites(mode: .all)
    }

    /// Closes (one half or all) once every byte already relayed has reached the socket, as Envoy's
    /// `FlushWrite` close does. NIO's close drops queued writes, and it turns an output close into a
    /// full one when the input is already shut, so closing at once would cut off the tail of a
    /// response a slow reader has not taken yet.
    private func closeAfterPendingWrites(mode: CloseMode) {
        guard let context else { return }
        let written = context.eventLoop.makePromise(of: Void.self)
        // An empty write completes after all writes queued before it.
        context.writeAndFlush(NIOAny(ByteBuffer()), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in
            let closed = context.eventLoop.makePromise(of: Void.self)
            // A channel that cannot half-close (or already closed its output) is closed whole instead.
            closed.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
            context.close(mode: mode, promise: closed)
        }
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
        if partner?.context != nil { startIdleTimeout(on: context.eventLoop) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idle?.stop()
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        idle?.touch()
        let buffer = unwrapInboundIn(data)
        bytesRead += buffer.readableBytes
        partner?.partnerWrite(buffer)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idle?.stop()
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
