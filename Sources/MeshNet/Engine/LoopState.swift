import Logging
import MeshModel
import NIOCore

/// Everything one event loop's connections share: the current compiled snapshot, the runtime
/// state of each cluster, a random generator, the access log buffer. Only touched on its loop,
/// so the hot path takes no locks; a new snapshot arrives as a task on the loop.
final class LoopState {
    let eventLoop: any EventLoop
    let settings: ProxySettings
    let logger: Logger
    let accessLog: AccessLogWriter?
    let metrics: ProxyMetrics
    private(set) var config: CompiledSnapshot = .empty
    private var clusters: [String: ClusterRuntime] = [:]
    var random = FastRandom()
    /// Open downstream connections per listener name on this loop.
    var connections: [String: Int] = [:]
    /// This loop's HTTP/1 connections, oldest first: the idle ones may make room for new ones.
    let idleConnections = IdleConnections()
    /// Connections the original-destination listener handed on (or closed) on this loop.
    let captures = CaptureCounters()
    private var sweeper: Scheduled<Void>?

    init(eventLoop: any EventLoop, settings: ProxySettings, logger: Logger, accessLog: AccessLogWriter?, metrics: ProxyMetrics) {
        self.eventLoop = eventLoop
        self.settings = settings
        self.logger = logger
        self.accessLog = accessLog
        self.metrics = metrics
    }

    /// Switches to a new snapshot: clusters first (kept, updated or created), then the routes and
    /// listeners that refer to them, in one step on this loop.
    func install(_ snapshot: CompiledSnapshot) {
        var next: [String: ClusterRuntime] = [:]
        for (name, entry) in snapshot.clusters {
            if let runtime = clusters[name] {
                runtime.update(entry, seed: random.next())
                next[name] = runtime
            } else {
                next[name] = ClusterRuntime(entry, eventLoop: eventLoop, settings: settings, seed: random.next())
            }
        }
        for (name, runtime) in clusters where next[name] == nil {
            runtime.closeIdle()
        }
        clusters = next
        lastCluster = nil
        config = snapshot
        if sweeper == nil { scheduleSweep() }
    }

    func cluster(named name: String) -> ClusterRuntime? {
        // Consecutive requests mostly go to the cluster the one before went to: comparing its
        // name is cheaper than hashing it.
        if let last = lastCluster, last.name == name { return last }
        let found = clusters[name]
        if found != nil { lastCluster = found }
        return found
    }

    private var lastCluster: ClusterRuntime?

    /// Once a second: idle upstream connections, outlier ejections, the access log buffer.
    private func scheduleSweep() {
        // Strong capture (a weak one would make every retain of this state take the slow path);
        // `shutdown` cancels the task.
        sweeper = eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in
            guard sweeper != nil else { return }
            sweep()
            scheduleSweep()
        }
    }

    private func sweep() {
        let now = NIODeadline.now()
        for runtime in clusters.values { runtime.sweep(now: now) }
        accessLog?.flush()
    }

    func shutdown() {
        sweeper?.cancel()
        sweeper = nil
        for runtime in clusters.values { runtime.closeIdle() }
        accessLog?.flush()
    }
}

/// The `LoopState` of each event loop of a group, found by the loop a channel runs on.
final class LoopStates: Sendable {
    private let states: [ObjectIdentifier: NIOLoopBoundBox<LoopState>]
    let all: [NIOLoopBoundBox<LoopState>]

    init(group: any EventLoopGroup, make: (any EventLoop) -> LoopState) {
        var states: [ObjectIdentifier: NIOLoopBoundBox<LoopState>] = [:]
        var all: [NIOLoopBoundBox<LoopState>] = []
        for loop in group.makeIterator() {
            let bound = NIOLoopBoundBox.makeBoxSendingValue(make(loop), eventLoop: loop)
            states[ObjectIdentifier(loop)] = bound
            all.append(bound)
        }
        self.states = states
        self.all = all
    }

    /// The state of the loop `channel` runs on; call on that loop.
    func state(for eventLoop: any EventLoop) -> LoopState {
        states[ObjectIdentifier(eventLoop)]!.value
    }
}
