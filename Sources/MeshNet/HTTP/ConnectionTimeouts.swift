import NIOCore

/// The timeouts of a downstream HTTP/1 connection (or of one HTTP/2 stream): the idle keep-alive
/// timeout, the request-header timeout against slowloris, and, once a request has started, the
/// request-body timeout (a pause between reads of its body) and the stream idle timeout (no byte
/// either way). It sees raw bytes, so it knows when a request begins before the parser has a head
/// to show.
///
/// In front of the pipeline (before the HTTP/2 sniffer decides, and in front of NIO's codecs) it
/// is a handler that sees every read and fires `Expired` down the pipeline. The engine's own
/// codec drives it instead (`drive(on:expired:)`): the codec reports reads by a direct call and
/// gets expiries by its callback, and the handler leaves the pipeline — one hop less per read.
///
/// Cheap on the hot path: one timer per connection, moved lazily. While a request runs, reads and
/// writes only note the loop's clock; when the timer fires it re-arms from the last activity, so a
/// request that goes silent is ended its timeout after its last byte, not a timer period later.
final class ConnectionTimeouts: ListedConnection, ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Fired down the pipeline when a timeout expires; the proxy handler answers or closes.
    struct Expired {}

    /// Which timeout expired (read by the proxy handler to answer).
    enum Kind { case idle, requestHeader, requestBody, streamIdle }

    private enum Phase { case idle, readingHead, readingBody, awaitingResponse }

    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let streamIdleTimeout: TimeAmount
    /// One HTTP/2 stream: a single request, no idle or header phase.
    private let stream: Bool
    private var phase = Phase.idle
    /// When the idle or header phase times out; checked when the timer fires, so that the timer
    /// is not cancelled and re-armed for every request of a keep-alive connection.
    private var deadline: NIODeadline = .distantFuture
    /// Whether an expiry may fire at all (false once cancelled or expired).
    private var armed = false
    // While a request runs: when bytes last moved each way (the event loop's clock).
    private var lastInput: NIODeadline = .distantPast
    private var lastOutput: NIODeadline = .distantPast
    /// The proxy stopped reading the client (back-pressure from a slow upstream): a pause in the
    /// body is then not the client's, and only the stream idle timeout applies.
    private var readingPaused = false
    private(set) var expiredKind = Kind.idle
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline = .distantFuture
    private var context: ChannelHandlerContext?
    private var eventLoop: (any EventLoop)?
    /// Set while a codec drives these timeouts: where an expiry goes.
    private var expired: (() -> Void)?

    /// - Parameter stream: the timeouts of one HTTP/2 stream (request body and stream idle only).
    init(settings: ProxySettings, stream: Bool = false) {
        idleTimeout = settings.idleTimeout
        headerTimeout = settings.requestHeaderTimeout
        bodyTimeout = settings.requestBodyTimeout
        streamIdleTimeout = settings.streamIdleTimeout
        self.stream = stream
        super.init()
    }

    /// Idle between requests (or before the first): a connection that may be shed
    /// (`register(in:channel:)` lists it in its loop's `IdleConnections`).
    override var isIdle: Bool { phase == .idle && armed }

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

    /// The codec (or the stream's proxy handler) takes over: it calls `inputArrived()` for each
    /// read and `expired` runs when a timeout expires. Starts the idle timeout if these timeouts
    /// were never in a pipeline; remove the handler from the pipeline after this call.
    func drive(on eventLoop: any EventLoop, expired: @escaping () -> Void) {
        self.expired = expired
        if self.eventLoop == nil {
            self.eventLoop = eventLoop
            if !stream { awaitRequest() }
        }
    }

    /// Bytes arrived: a request begins unless one is under way.
    @inline(__always)
    func inputArrived() {
        if phase == .idle {
            if stream { return }
            phase = .readingHead
            arm(now + headerTimeout)
        } else if phase != .readingHead {
            lastInput = now
        }
    }

    /// The event loop's clock (an embedded loop's virtual time in tests).
    private var now: NIODeadline { eventLoop?.now ?? .now() }

    /// Bytes of the response went to the client: the request is not idle.
    @inline(__always)
    func outputWritten() {
        lastOutput = now
    }

    /// Reading from the client was paused or resumed by back-pressure; resuming counts as activity.
    func setReadingPaused(_ paused: Bool) {
        readingPaused = paused
        if !paused { lastInput = now }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    /// A request head was parsed: its body (if any) is read under the body timeout, and the
    /// exchange under the stream idle timeout (routes carry their own timeouts besides).
    func requestStarted() {
        phase = .readingBody
        let now = self.now
        lastInput = now
        lastOutput = .distantPast
        let first = Self.shorter(bodyTimeout, streamIdleTimeout)
        armed = first != nil
        deadline = .distantFuture
        // The first look is due one period after the head at the latest; it re-arms from the last
        // activity it finds.
        if let first { arm(now + first) }
    }

    /// The request has been read completely; the response may still take its time.
    func requestEnded() {
        guard phase == .readingBody else { return }
        phase = .awaitingResponse
        lastInput = now
    }

    /// The response is done and the connection waits for the next request.
    func awaitRequest() {
        phase = .idle
        if stream {
            armed = false
            return
        }
        armed = true
        arm(now + idleTimeout)
    }

    func cancel() {
        timer?.cancel()
        timer = nil
        deadline = .distantFuture
        armed = false
        unregister()
    }

    /// Cancels and forgets the codec's callback (which holds the codec).
    func stopDriving() {
        cancel()
        expired = nil
    }

    /// Moves the deadline; a timer is only scheduled when none is pending at or before it.
    private func arm(_ newDeadline: NIODeadline) {
        if phase == .idle || phase == .readingHead { deadline = newDeadline }
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
        guard armed else { return }
        let now = self.now
        let due: NIODeadline
        let kind: Kind
        switch phase {
        case .idle, .readingHead:
            due = deadline
            kind = phase == .idle ? .idle : .requestHeader
        case .readingBody, .awaitingResponse:
            let request = requestDeadline()
            due = request.due
            kind = request.kind
            if due == .distantFuture { return }  // the body is read, and streams never idle out
        }
        if due > now {
            schedule(at: due)  // the phase moved on, or bytes moved, since this timer was armed
            return
        }
        armed = false
        deadline = .distantFuture
        expiredKind = kind
        if let expired {
            expired()
        } else {
            context?.fireUserInboundEventTriggered(Expired())
        }
    }

    /// The earlier of the stream idle and (while the body arrives) the body deadline.
    private func requestDeadline() -> (due: NIODeadline, kind: Kind) {
        var due = NIODeadline.distantFuture
        var kind = Kind.streamIdle
        if streamIdleTimeout > .zero { due = max(lastInput, lastOutput) + streamIdleTimeout }
        if phase == .readingBody, bodyTimeout > .zero, !readingPaused, lastInput + bodyTimeout < due {
            due = lastInput + bodyTimeout
            kind = .requestBody
        }
        return (due, kind)
    }

    /// The shorter of two timeouts where zero means none; nil when both are off.
    private static func shorter(_ a: TimeAmount, _ b: TimeAmount) -> TimeAmount? {
        switch (a > .zero, b > .zero) {
        case (true, true): min(a, b)
        case (true, false): a
        case (false, true): b
        case (false, false): nil
        }
    }
}
