import NIOCore
import NIOHTTP2

/// Closes a tunnel connection that has had no open stream for the idle timeout, saying GOAWAY
/// first. On the server NIO tells it about streams (it is the HTTP/2 handler's stream delegate,
/// called on the connection's event loop); the client pool calls `opened()`/`closed()` itself when
/// it reserves a stream, so a connection about to carry a stream is never closed as idle.
final class TunnelIdleTimeout: NIOHTTP2StreamDelegate, @unchecked Sendable {
    // @unchecked: every member is touched only on `channel.eventLoop`.
    private let channel: any Channel
    private let timeout: TimeAmount?
    private var openStreams: Int
    private var timer: Scheduled<Void>?
    /// Called on the loop just before an idle connection says GOAWAY.
    var onIdle: (() -> Void)?

    /// - Parameter timeout: nil or zero: never.
    init(channel: any Channel, timeout: TimeAmount?, openStreams: Int = 0) {
        self.channel = channel
        self.timeout = timeout
        self.openStreams = openStreams
    }

    /// Starts the clock (when no stream is open) and stops it when the connection closes.
    func start() {
        if openStreams == 0 { arm() }
        channel.closeFuture.assumeIsolatedUnsafeUnchecked().whenComplete { _ in
            self.timer?.cancel()
            self.timer = nil
            self.onIdle = nil
        }
    }

    func opened() {
        openStreams += 1
        timer?.cancel()
        timer = nil
    }

    func closed() {
        openStreams -= 1
        if openStreams == 0 { arm() }
    }

    func streamCreated(_ id: HTTP2StreamID, channel: any Channel) { opened() }

    func streamClosed(_ id: HTTP2StreamID, channel: any Channel) { closed() }

    private func arm() {
        guard let timeout, timeout > .zero else { return }
        timer?.cancel()
        timer = channel.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: timeout) { [self] in
            timer = nil
            guard openStreams == 0, channel.isActive else { return }
            onIdle?()
            let goAway = HTTP2Frame(
                streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil))
            let channel = self.channel
            channel.writeAndFlush(goAway).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
