import Logging
import NIOCore

/// Closes a connection of a TLS listener (terminated or passed through) that has not finished
/// its handshake within the timeout from its accept (Envoy's `transport_socket_connect_timeout`):
/// a client that sends a ClientHello, or part of one, and then stalls holds no descriptor for
/// long. First handler of the pipeline; it leaves once the handshake is done (`finished(on:)`),
/// so later reads do not pass through it. Until then the connection may make room for a newer
/// one at the connection limit (`IdleConnections`).
final class TLSHandshakeTimeout: ListedConnection, ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private let idleConnections: IdleConnections

    init(timeout: TimeAmount, logger: Logger, idleConnections: IdleConnections) {
        self.timeout = timeout
        self.logger = logger
        self.idleConnections = idleConnections
        super.init()
    }

    override var isIdle: Bool { true }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        register(in: idleConnections, channel: channel)
        let logger = logger
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            logger.debug(
                "TLS handshake timed out",
                metadata: ["peer.address": "\(channel.remoteAddress?.ipAddress ?? "-")"])
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        unregister()
    }

    /// The handshake of `channel` is done (or, passed through, the server name is known): the
    /// timeout leaves its pipeline. Call on the channel's event loop.
    static func finished(on channel: any Channel) {
        let sync = channel.pipeline.syncOperations
        guard let handler = try? sync.handler(type: TLSHandshakeTimeout.self) else { return }
        sync.removeHandler(handler, promise: nil)
    }
}
