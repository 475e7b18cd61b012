import NIOCore

/// Closes idle keep-alive connections of a downstream HTTP/1 connection and answers clients that
/// send a request header too slowly (slowloris). It sees raw bytes, so it knows when a request
/// begins before the parser has a head to show.
///
/// In front of the pipeline (before the HTTP/2 sniffer decides, and in front of NIO's codecs) it
/// is a handler that sees every read and fires `Expired` down the pipeline. The engine's own
/// codec drives it instead (`drive(on:expired:)`): the codec reports reads by a direct call and
/// gets expiries by its callback, and the handler leaves the pipeline — one hop less per read.
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
    private var eventLoop: (any EventLoop)?
    /// Set while a codec drives these timeouts: where an expiry goes.
    private var expired: (() -> Void)?

    init(settings: ProxySettings) {
        idleTimeout = settings.idleTimeout
        headerTimeout = settings.requestHeaderTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if eventLoop == nil {
            eventLoop = context.eventLoop
            awaitRequest()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Handed over to a codec: the timers run on.
        if expired == nil { cancel() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inputArrived()
        context.fireChannelRead(data)
    }

    /// The codec takes over: it calls `inputArrived()` for each read and `expired` runs when a
    /// timeout expires. Starts the idle timeout if these timeouts were never in a pipeline;
    /// remove the handler from the pipeline after this call.
    func drive(on eventLoop: any EventLoop, expired: @escaping () -> Void) {
        self.expired = expired
        if self.eventLoop == nil {
            self.eventLoop = eventLoop
            awaitRequest()
        }
    }

    /// Bytes arrived: a request begins unless one is under way.
    @inline(__always)
    func inputArrived() {
        if phase == .idle {
            phase = .readingHead
            arm(.now() + headerTimeout)
        }
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

    /// Cancels and forgets the codec's callback (which holds the codec).
    func stopDriving() {
        cancel()
        expired = nil
    }

    /// Moves the deadline; a timer is only scheduled when none is pending at or before it.
    private func arm(_ newDeadline: NIODeadline) {
        deadline = newDeadline
        if timer != nil && timerDeadline <= newDeadline { return }
        schedule(at: newDeadline)
    }

    private func schedule(at when: NIODeadline) {
        timer?.cancel()
        guard let eventLoop else { return }
        timerDeadline = when
        // Strong capture: the task holds these timeouts until it fires or is cancelled (the
        // connection's close cancels it), and no weak reference slows every retain.
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: when) { [self] in
            timer = nil
            fired()
        }
    }

    private func fired() {
        guard deadline != .distantFuture else { return }
        if deadline > .now() {
            schedule(at: deadline)  // the phase moved on since this timer was armed
            return
        }
        deadline = .distantFuture
        if let expired {
            expired()
        } else {
            context?.fireUserInboundEventTriggered(Expired())
        }
    }
}
