import Logging
import NIOCore

/// Closes a connection of a TLS listener (terminated or passed through) that has not finished
/// its handshake within the timeout from its accept (Envoy's `transport_socket_connect_timeout`):
/// a client that sends a ClientHello, or part of one, and then stalls holds no descriptor for
/// long. First handler of the pipeline; it leaves once the handshake is done (`finished(on:)`),
/// so later reads do not pass through it.
final class TLSHandshakeTimeout: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let logger = logger
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            logger.debug(
                "TLS handshake timed out",
                metadata: ["peer.address": "\(channel.remoteAddress?.ipAddress ?? "-")"])
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// The handshake of `channel` is done (or, passed through, the server name is known): the
    /// timeout leaves its pipeline. Call on the channel's event loop.
    static func finished(on channel: any Channel) {
        let sync = channel.pipeline.syncOperations
        guard let handler = try? sync.handler(type: TLSHandshakeTimeout.self) else { return }
        sync.removeHandler(handler, promise: nil)
    }
}
