import NIOCore
import NIOHPACK
import NIOHTTP2

/// The first handler of a stream the tunnel pool opens. It waits for the CONNECT's answer: `200`
/// completes `response` with the response headers, anything else (a status, a reset, the
/// connection's end) fails it. Frames after the 200 are held until `release()`, when the relay's
/// handlers are in place behind it, then pass through.
final class TunnelClientStream: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    private enum State {
        case awaitingResponse
        case holding([HTTP2Frame.FramePayload])
        case relaying
        case failed
    }

    private let response: EventLoopPromise<HPACKHeaders>
    /// Describes the destination for error messages: `CONNECT 10.0.3.7:80 via 10.0.0.2:15008`.
    private let request: String
    private var state = State.awaitingResponse
    private var context: ChannelHandlerContext?
    /// The tunnel connection's guard, which keeps the first error the connection saw.
    private let connection: TunnelHandshakeGuard

    init(response: EventLoopPromise<HPACKHeaders>, request: String, connection: TunnelHandshakeGuard) {
        self.response = response
        self.request = request
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        fail(TunnelError(.closed, "\(request): stream closed before the answer"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        switch state {
        case .awaitingResponse:
            guard case .headers(let headers) = payload else {
                fail(TunnelError(.closed, "\(request): DATA before the answer"))
                return context.close(promise: nil)
            }
            let status = headers.headers.first(name: ":status") ?? "none"
            guard status == "200", !headers.endStream else {
                fail(TunnelError(.refused, "\(request) answered \(status)", status: Int(status)))
                return context.close(promise: nil)
            }
            state = .holding([])
            // Until the relay joins, frames stay with NIO and hold the flow-control window.
            let channel = context.channel
            channel.setOption(.autoRead, value: false).whenFailure { _ in channel.close(promise: nil) }
            response.succeed(headers.headers)
        case .holding(var held):
            held.append(payload)
            state = .holding(held)
        case .relaying:
            context.fireChannelRead(data)
        case .failed:
            break
        }
    }

    /// The relay's handlers follow this one now: frames flow to them, held ones first.
    func release() {
        guard let context, case .holding(let held) = state else { return }
        state = .relaying
        for payload in held { context.fireChannelRead(wrapInboundOut(payload)) }
        if !held.isEmpty { context.fireChannelReadComplete() }
        // A stream channel does not read again when autoRead is turned back on; ask once.
        let channel = context.channel
        channel.setOption(.autoRead, value: true).whenFailure { _ in channel.close(promise: nil) }
        channel.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .awaitingResponse = state {
            fail(TunnelError(.closed, "\(request): stream failed", cause: connection.firstError ?? error))
            return context.close(promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .awaitingResponse = state {
            fail(TunnelError(.closed, "\(request): connection closed before the answer", cause: connection.firstError))
        }
        context.fireChannelInactive()
    }

    private func fail(_ error: TunnelError) {
        guard case .awaitingResponse = state else { return }
        state = .failed
        response.fail(error)
    }
}
