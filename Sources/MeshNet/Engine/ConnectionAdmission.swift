import Logging
import Metrics
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The data plane's budget of downstream connections, all listeners and event loops together,
/// checked where connections are accepted: in each listener's server pipeline, before the new
/// connection is registered with its event loop or gets a handler, so a refusal costs a close.
///
/// Under the limit a connection is admitted. At the limit it is admitted in the place of the
/// oldest idle connection of its event loop (see `IdleConnections`), which is closed, as nginx
/// reuses idle keep-alive connections when it runs short; up to `slack` such replacements may be
/// under way at once. Past that, or with no idle connection to spare, it is closed at once. So a
/// flood of idle connections cannot lock out new clients, and the process keeps descriptors for
/// the console, its stores and the upstream connections.
///
/// Refusals and accept errors (EMFILE, ENFILE, ENOBUFS, ENOMEM) are counted in metrics and
/// logged at warning, at most once per `warningInterval` with the number since the last line.
final class ConnectionAdmission: Sendable {
    enum Decision: Equatable { case admit, replaceIdle, refuse }

    let limit: Int
    let slack: Int
    private let open = Atomic<Int>(0)
    private let refusedSinceWarning = Atomic<Int>(0)
    private let errorsSinceWarning = Atomic<Int>(0)
    private let replacedSinceWarning = Atomic<Int>(0)
    private let lastLimitWarning = Atomic<UInt64>(0)
    private let lastErrorWarning = Atomic<UInt64>(0)
    private let warningInterval: TimeAmount
    private let refusedCounter: Counter
    private let shedCounter: Counter
    private let factory: any MetricsFactory
    private let logger: Logger

    init(limit: Int, logger: Logger, warningInterval: TimeAmount = .seconds(10), factory: any MetricsFactory = MetricsSystem.factory) {
        self.limit = min(max(1, limit), 1 << 40)
        self.slack = max(1, min(self.limit / 16, 1024))
        self.logger = logger
        self.warningInterval = warningInterval
        self.factory = factory
        refusedCounter = Counter(label: "meshbox_downstream_connections_refused_total", factory: factory)
        shedCounter = Counter(label: "meshbox_downstream_connections_shed_total", factory: factory)
    }

    /// Downstream connections open now.
    var openConnections: Int { open.load(ordering: .relaxed) }

    /// Counts a new connection in, unless refused; `release()` when an admitted one closes.
    func admit() -> Decision {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        if now <= limit { return .admit }
        if now <= limit + slack { return .replaceIdle }
        open.wrappingSubtract(1, ordering: .relaxed)
        return .refuse
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    /// A connection admitted at the limit found no idle one to take the place of: it leaves.
    func noIdleToReplace() {
        refused()
    }

    /// A connection admitted at the limit took the place of an idle one, which was closed.
    func replacedIdle() {
        shedCounter.increment()
        replacedSinceWarning.add(1, ordering: .relaxed)
        warnAtLimit()
    }

    func refused() {
        refusedCounter.increment()
        refusedSinceWarning.add(1, ordering: .relaxed)
        warnAtLimit()
    }

    private func warnAtLimit() {
        guard dueForWarning(lastLimitWarning) else { return }
        logger.warning(
            "Connections refused or replaced: the gateway is at its connection limit",
            metadata: [
                "connections.limit": "\(limit)", "connections.open": "\(openConnections)",
                "connections.refused": "\(refusedSinceWarning.exchange(0, ordering: .relaxed))",
                "connections.replaced_idle": "\(replacedSinceWarning.exchange(0, ordering: .relaxed))",
            ])
    }

    /// `accept()` failed; NIO's `AcceptBackoffHandler` behind it pauses accepting for a moment
    /// when the process ran out of something (`acceptBackoff`).
    func acceptFailed(_ error: IOError, listener: String) {
        let code = Self.errnoName(error.errnoCode)
        Counter(label: "meshbox_accept_errors_total", dimensions: [("error", code)], factory: factory).increment()
        // A client that reset its connection before the accept is not for an operator to act on.
        guard error.errnoCode != ECONNABORTED else { return }
        errorsSinceWarning.add(1, ordering: .relaxed)
        guard dueForWarning(lastErrorWarning) else { return }
        logger.warning(
            "Cannot accept connections",
            metadata: [
                "listener.name": "\(listener)", "error.type": "\(code)", "error.message": "\(error)",
                "connections.open": "\(openConnections)",
                "accept.errors": "\(errorsSinceWarning.exchange(0, ordering: .relaxed))",
            ])
    }

    /// True at most once per `warningInterval`, whichever loop asks.
    private func dueForWarning(_ last: borrowing Atomic<UInt64>) -> Bool {
        let now = NIODeadline.now().uptimeNanoseconds
        let previous = last.load(ordering: .relaxed)
        if previous != 0 && now &- previous < UInt64(warningInterval.nanoseconds) { return false }
        return last.compareExchange(expected: previous, desired: now, ordering: .relaxed).exchanged
    }

    /// How long a listener stops accepting after `error`: half a second when the process or the
    /// system ran out of descriptors or memory (nginx's `accept_mutex_delay`), instead of retrying
    /// in a busy loop while the socket stays readable; not at all for anything else, so that
    /// clients resetting their connections (ECONNABORTED) cannot pause a listener.
    static func acceptBackoff(_ error: IOError) -> TimeAmount? {
        switch error.errnoCode {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: .milliseconds(500)
        default: nil
        }
    }

    /// Bounded label values for the metric.
    static func errnoName(_ code: CInt) -> String {
        switch code {
        case EMFILE: "EMFILE"
        case ENFILE: "ENFILE"
        case ENOBUFS: "ENOBUFS"
        case ENOMEM: "ENOMEM"
        case ECONNABORTED: "ECONNABORTED"
        default: "other"
        }
    }
}

/// First handler of a listener's server channel: admits or refuses each accepted connection
/// (`ConnectionAdmission`) and reports accept errors before NIO's `AcceptBackoffHandler`.
final class AcceptGuard: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let admission: ConnectionAdmission
    private let listenerName: String
    private let states: LoopStates

    init(admission: ConnectionAdmission, listenerName: String, states: LoopStates) {
        self.admission = admission
        self.listenerName = listenerName
        self.states = states
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        let decision = admission.admit()
        if decision == .refuse {
            // Not yet registered with its loop: closing it is all it costs.
            child.close(promise: nil)
            admission.refused()
            return
        }
        let admission = self.admission
        child.closeFuture.whenComplete { _ in admission.release() }
        if decision == .replaceIdle {
            // Runs on the child's loop before the child is set up there (tasks run in order), so
            // the new connection is never the one shed.
            let states = self.states
            let loop = child.eventLoop
            loop.execute {
                if states.state(for: loop).idleConnections.shedOldest() {
                    admission.replacedIdle()
                } else {
                    child.close(promise: nil)
                    admission.noIdleToReplace()
                }
            }
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // accept() reports IOErrors; a connection closed before its setup is not one.
        if let error = error as? IOError { admission.acceptFailed(error, listener: listenerName) }
        context.fireErrorCaught(error)
    }
}
