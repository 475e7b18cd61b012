import Foundation
public import Logging
public import MeshModel
public import ServiceLifecycle
import Synchronization

/// The proxy role's control loop: keeps the host's capture rules equal to the VIP table of the
/// snapshots it serves, and puts them back when someone flushes them.
///
/// Each snapshot's mesh services (`Snapshot.meshServices`, compiled from the config store and the
/// registry, in this process or on the control plane a remote node follows) become a VIP table
/// (`ServiceVIP.table(from:)`); a snapshot without the proxy's listener is skipped. A changed table is
/// reconciled after `debounce` (a burst of applies makes one pass). Every `canaryInterval` the
/// canary is checked, as kube-proxy does: gone means an external flush, and a pass reinstalls the
/// rules. A failed pass is retried on the same tick. The first pass adopts rules a crashed run
/// left; a graceful stop removes them when `removeRulesOnStop`. The data path (listeners, the
/// original destination) is the shared data plane's; this role only steers traffic to it.
///
/// ```swift
/// let role = ProxyRole(snapshots: source.snapshots(for: .local(roles: [.proxy])),
///     capture: CaptureReconciler(configuration: capture, runner: SpawnCommandRunner()),
///     board: ProxyStatusBoard(capture: "iptables"), logger: logger)
/// ```
public struct ProxyRole: Service {
    public struct Options: Sendable {
        public var debounce: Duration
        public var canaryInterval: Duration
        public var removeRulesOnStop: Bool

        public init(
            debounce: Duration = .milliseconds(100), canaryInterval: Duration = .seconds(5),
            removeRulesOnStop: Bool = true
        ) {
            self.debounce = debounce
            self.canaryInterval = canaryInterval
            self.removeRulesOnStop = removeRulesOnStop
        }
    }

    private let snapshots: AsyncStream<Snapshot>
    private let capture: (any CaptureBackend)?
    private let board: ProxyStatusBoard
    private let options: Options
    private let metrics: ProxyMetrics
    private let logger: Logger
    private let onReconciled: @Sendable () -> Void
    private let onServices: @Sendable (Snapshot, [Snapshot.MeshService]) -> Void

    /// - Parameters:
    ///   - snapshots: the node's snapshots (`SnapshotSource.snapshots(for:)`).
    ///   - capture: nil captures nothing (`proxy.capture: none`): the role only reports VIPs.
    ///   - onReconciled: called after each successful pass (readiness, tests).
    ///   - onServices: each snapshot's mesh services as they come, before the VIP table is made
    ///     from them (the DNS server's table is made from the same services).
    public init(
        snapshots: AsyncStream<Snapshot>, capture: (any CaptureBackend)?, board: ProxyStatusBoard,
        options: Options = Options(), logger: Logger, onReconciled: @escaping @Sendable () -> Void = {},
        onServices: @escaping @Sendable (Snapshot, [Snapshot.MeshService]) -> Void = { _, _ in }
    ) {
        self.snapshots = snapshots
        self.capture = capture
        self.board = board
        self.options = options
        self.metrics = ProxyMetrics(backend: capture?.name ?? "none")
        self.logger = logger
        self.onReconciled = onReconciled
        self.onServices = onServices
    }

    public func run() async throws {
        let pending = PendingTable()
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    // A snapshot without the proxy's listener (the empty one before the first
                    // compile) says nothing about services: a pass over it would drop the rules
                    // (and UDP flows) a restart adopts.
                    for await snapshot in snapshots {
                        guard let services = snapshot.meshServices else { continue }
                        onServices(snapshot, services)
                        let table = ServiceVIP.table(from: services)
                        board.setVIPCount(table.count)
                        metrics.recordVIPs(table.count)
                        if pending.offer(table) { wake.yield() }
                    }
                }
                if let capture {
                    group.addTask { await watchCanary(capture, pending: pending, wake: wake) }
                }
                group.addTask {
                    for await _ in wakeups {
                        try? await Task.sleep(for: options.debounce)  // a burst of changes: one pass
                        if Task.isCancelled { return }
                        guard let table = pending.take() else { continue }
                        await pass(table, pending: pending)
                    }
                }
            }
        }
        await removeRules()
    }

    private func pass(_ table: [ServiceVIP], pending: PendingTable) async {
        guard let capture else {
            onReconciled()
            return
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let pass = try await capture.capturePass(table)
            pending.applied(table)
            metrics.recordPass(pass)
            board.record(pass, vips: Self.countByFamily(table), at: Date())
            if pass.repaired {
                logger.notice("Capture rules were flushed by another program; reinstalled")
            }
            if pass.changed || pass.repaired {
                logger.info(
                    "Capture rules reconciled",
                    metadata: [
                        "capture.backend": "\(capture.name)", "proxy.vips": "\(table.count)",
                        "duration.ms": "\(pass.duration.milliseconds)",
                    ])
            }
            for problem in pass.problems where pass.changed {
                logger.warning("Service left out of capture", metadata: ["proxy.problem": "\(problem)"])
            }
            onReconciled()
        } catch {
            let elapsed = clock.now - start
            pending.failed(table)
            metrics.recordFailure(after: elapsed)
            board.recordFailure(error, after: elapsed, at: Date())
            logger.error(
                "Capture pass failed; retrying",
                metadata: ["capture.backend": "\(capture.name)", "error.message": "\(error)"])
        }
    }

    /// Every `canaryInterval`: a failed pass is retried, a missing canary (an external flush)
    /// forces a pass that reinstalls the rules.
    private func watchCanary(
        _ capture: any CaptureBackend, pending: PendingTable, wake: AsyncStream<Void>.Continuation
    ) async {
        while true {
            do { try await Task.sleep(for: options.canaryInterval) } catch { return }
            guard pending.hasApplied || board.lastPassFailed else { continue }
            if board.lastPassFailed {
                pending.force()
                wake.yield()
                continue
            }
            do {
                if !(try await capture.canaryIsPresent()) {
                    pending.force()
                    wake.yield()
                }
            } catch {
                logger.debug("Canary check failed", metadata: ["error.message": "\(error)"])
            }
        }
    }

    private func removeRules() async {
        guard let capture else { return }
        guard options.removeRulesOnStop else {
            logger.info("Leaving capture rules in place (proxy.removeRulesOnStop: false)")
            return
        }
        do {
            try await capture.removeRules()
            board.recordRemoved()
            logger.info("Capture rules removed", metadata: ["capture.backend": "\(capture.name)"])
        } catch {
            logger.error(
                "Capture rules could not be removed; run meshbox proxy uninstall",
                metadata: ["capture.backend": "\(capture.name)", "error.message": "\(error)"])
        }
    }

    static func countByFamily(_ table: [ServiceVIP]) -> [IPFamily: Int] {
        var counts: [IPFamily: Int] = [:]
        for row in table {
            guard let family = CanonicalAddress(row.address)?.family else { continue }
            counts[family, default: 0] += 1
        }
        return counts
    }
}

/// The newest VIP table not yet reconciled, and the last one that was.
final class PendingTable: Sendable {
    private struct State {
        var next: [ServiceVIP]?
        var applied: [ServiceVIP]?
        var forced = false
    }
    private let state = Mutex(State())

    /// Takes a table from a snapshot; true when it differs from what is applied or waiting.
    func offer(_ table: [ServiceVIP]) -> Bool {
        state.withLock { state in
            guard table != (state.next ?? state.applied) || state.applied == nil else { return false }
            state.next = table
            return true
        }
    }

    /// Asks for a pass even if the table did not change (a repair, a retry).
    func force() {
        state.withLock { $0.forced = true }
    }

    /// The table to reconcile now, or nil when nothing changed and no pass was asked for.
    func take() -> [ServiceVIP]? {
        state.withLock { state in
            if let next = state.next {
                state.next = nil
                state.forced = false
                return next
            }
            guard state.forced, let applied = state.applied else { return nil }
            state.forced = false
            return applied
        }
    }

    func applied(_ table: [ServiceVIP]) {
        state.withLock { $0.applied = table }
    }

    /// A pass of `table` failed: the next one tries it again (unless a newer table came meanwhile).
    func failed(_ table: [ServiceVIP]) {
        state.withLock { state in
            if state.next == nil { state.next = table }
        }
    }

    var hasApplied: Bool { state.withLock { $0.applied != nil } }
}

extension Duration {
    fileprivate var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
