import NIOCore

/// Closes a relay whose two connections carried no byte, in either direction, for `timeout`
/// (Envoy's tcp_proxy `idle_timeout`). Shared by the two `GlueHandler`s of one relay, on their
/// common event loop.
///
/// Cheap on the hot path: a read only stores the time. The timer is armed for the deadline the
/// last activity gave when it was armed; when it fires and traffic has moved the deadline on, it is
/// re-armed for the new one (the lazy-deadline trick of `ConnectionTimeouts`), so a busy relay
/// costs one timer per `timeout`, not one per read.
final class RelayIdleTimeout {
    private let timeout: TimeAmount
    private var lastActivity = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var onExpiry: (() -> Void)?

    /// - Parameter timeout: more than zero.
    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    /// Starts counting from now; `onExpiry` runs once, on `eventLoop`, when the relay went idle.
    func start(on eventLoop: any EventLoop, onExpiry: @escaping () -> Void) {
        guard self.onExpiry == nil else { return }
        self.onExpiry = onExpiry
        lastActivity = .now()
        schedule(on: eventLoop, at: lastActivity + timeout)
    }

    /// Bytes moved: the relay is not idle.
    @inline(__always)
    func touch() {
        lastActivity = .now()
    }

    /// The relay closed for another reason; drops the timer (and the closure it holds).
    func stop() {
        timer?.cancel()
        timer = nil
        onExpiry = nil
    }

    private func schedule(on eventLoop: any EventLoop, at deadline: NIODeadline) {
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            fired(on: eventLoop)
        }
    }

    private func fired(on eventLoop: any EventLoop) {
        guard let onExpiry else { return }
        let deadline = lastActivity + timeout
        if deadline > .now() {
            schedule(on: eventLoop, at: deadline)
            return
        }
        self.onExpiry = nil
        onExpiry()
    }
}
