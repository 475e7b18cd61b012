import NIOCore
import NIOHTTP2

/// Bytes over one HTTP/2 stream, for a `GlueHandler` relaying a WebSocket tunnel (RFC 8441):
/// DATA frames in become bytes, bytes out become DATA frames. END_STREAM from the client is the
/// relay's end of input (`ChannelEvent.inputClosed`, which shuts the upstream's output), and
/// shutting this side's output (the upstream sent its FIN) sends END_STREAM, as does a full close
/// once the client has ended its side. A full close while the client may still send resets the
/// stream (NIO sends RST_STREAM), as a reset or failed upstream connection should.
final class TunnelStreamFramer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTP2Frame.FramePayload

    private var inputEnded = false
    private var outputEnded = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .data(let frame):
            if case .byteBuffer(let buffer) = frame.data, buffer.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
            }
            if frame.endStream { endInput(context: context) }
        case .headers(let trailers) where trailers.endStream:
            endInput(context: context)
        default:
            break
        }
    }

    private func endInput(context: ChannelHandlerContext) {
        guard !inputEnded else { return }
        inputEnded = true
        context.fireChannelReadComplete()
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !outputEnded else {
            promise?.succeed()
            return
        }
        let buffer = unwrapOutboundIn(data)
        context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(buffer)))), promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // The client has ended its side and the upstream connection is gone: END_STREAM ends the
        // stream cleanly. (NIO reports an upstream FIN that follows our own shutdown as a close,
        // not as end of input, so this is how a client-initiated close ends.)
        let ending = mode == .output || (mode == .all && inputEnded)
        guard ending else { return context.close(mode: mode, promise: promise) }
        guard !outputEnded else {
            promise?.succeed()
            return
        }
        outputEnded = true
        let end = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))
        context.writeAndFlush(wrapOutboundOut(end), promise: promise)
    }
}
