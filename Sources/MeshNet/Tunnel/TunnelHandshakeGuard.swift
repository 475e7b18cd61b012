import Logging
import NIOCore
import NIOTLS

/// Sits after the TLS handlers of a tunnel connection (either end). Closes the connection when the
/// handshake has not completed within the timeout, or completed without ALPN `h2` (a tunnel
/// speaks HTTP/2 and nothing else); counts completed handshakes through `onHandshake`; keeps the
/// first error the connection saw, so a stream failing with it can say why (a refused certificate
/// reaches a TLS 1.3 client only after its own handshake completed).
final class TunnelHandshakeGuard: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let logger: Logger
    private let onHandshake: () -> Void
    private var timer: Scheduled<Void>?
    private var completed = false
    /// The first error caught on the connection.
    private(set) var firstError: (any Error)?

    init(timeout: TimeAmount, logger: Logger, onHandshake: @escaping () -> Void) {
        self.timeout = timeout
        self.logger = logger
        self.onHandshake = onHandshake
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !completed, let tls = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = tls {
            completed = true
            disarm()
            guard negotiated == "h2" else {
                logger.debug(
                    "Tunnel connection closed: ALPN did not agree on h2",
                    metadata: [
                        "peer.address": "\(context.remoteAddress?.description ?? "-")",
                        "tls.alpn": "\(negotiated ?? "none")",
                    ])
                context.close(promise: nil)
                return
            }
            onHandshake()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if firstError == nil { firstError = error }
        context.fireErrorCaught(error)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard !completed, timer == nil, timeout > .zero else { return }
        let channel = context.channel
        let logger = logger
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            logger.debug(
                "Tunnel TLS handshake timed out", metadata: ["peer.address": "\(channel.remoteAddress?.description ?? "-")"])
            channel.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
