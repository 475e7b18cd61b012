import NIOCore

/// First handler of a downstream HTTP/1 connection: closes idle keep-alive connections and
/// answers clients that send a request header too slowly (slowloris). It sees raw bytes, so it
/// knows when a request begins before the parser has a head to show.
final class ConnectionTimeouts: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Fired down the pipeline when a timeout expires; the proxy handler answers or closes.
    struct Expired {}

    private enum Phase { case idle, readingHead, busy }

    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    private var phase = Phase.idle
    /// When the current phase times out; checked when the timer fires, so that the timer is not
    /// cancelled and re-armed for every request of a keep-alive connection.
    private var deadline: NIODeadline = .distantFuture
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline = .distantFuture
    private var context: ChannelHandlerContext?

    init(settings: ProxySettings) {
        idleTimeout = settings.idleTimeout
        headerTimeout = settings.requestHeaderTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        awaitRequest()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .idle {
            phase = .readingHead
            arm(.now() + headerTimeout)
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    /// A request head was parsed: no timeout while the exchange runs (routes carry their own).
    func requestStarted() {
        phase = .busy
        deadline = .distantFuture
    }

    /// The response is done and the connection waits for the next request.
    func awaitRequest() {
        phase = .idle
        arm(.now() + idleTimeout)
    }

    func cancel() {
        timer?.cancel()
        timer = nil
        deadline = .distantFuture
    }

    /// Moves the deadline; a timer is only scheduled when none is pending at or before it.
    private func arm(_ newDeadline: NIODeadline) {
        deadline = newDeadline
        if timer != nil && timerDeadline <= newDeadline { return }
        schedule(at: newDeadline)
    }

    private func schedule(at when: NIODeadline) {
        timer?.cancel()
        guard let context else { return }
        timerDeadline = when
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: when) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.fired()
        }
    }

    private func fired() {
        guard let context, deadline != .distantFuture else { return }
        if deadline > .now() {
            schedule(at: deadline)  // the phase moved on since this timer was armed
            return
        }
        deadline = .distantFuture
        context.fireUserInboundEventTriggered(Expired())
    }
}
