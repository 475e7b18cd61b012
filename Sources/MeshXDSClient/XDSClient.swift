import Foundation
public import Logging
public import MeshAPI
public import MeshCore
public import MeshModel
public import ServiceLifecycle
import SwiftProtobuf
import Metrics
import Synchronization

/// A remote meshbox node's snapshot source: delta ADS over mutual TLS to the control plane's
/// xDS server (`:15012`), rebuilt into a `Snapshot` (`MeshboxResources`) once every meshbox type
/// has arrived, current first and newest wins, as the in-process compiler's.
///
/// - Every response is ACKed once it decodes; one that does not is NACKed (`error_detail`) and the
///   node stays on its last good snapshot.
/// - The last good resources are persisted (`<data-dir>/node/snapshot.json`); at start they are the
///   first snapshot, so a node whose control plane is away still serves. On reconnect it presents
///   their versions (`initial_resource_versions`) and gets only the differences.
/// - The snapshot's mesh identity secrets (`.workloadCertificate`, `.meshTrustBundle`), which the
///   server sends without material, are filled with this node's certificate, key and trust bundle.
/// - It reconnects with `Backoff` (0.5 s doubling to 30 s, jittered) and renews the node
///   certificate at half its life with `NodeCertificates.Renew` over the same mutual TLS.
public final class XDSClient: SnapshotSource, Service {
    let configuration: Configuration
    let logger: Logger
    let metrics = XDSClientMetrics()
    private let watch = Watch<Snapshot?>(nil)
    private let state: Mutex<State>

    struct State {
        var identity: NodeIdentity
        var held: HeldResources
        var snapshotVersion: UInt64
        var status: Status
    }

    /// What the node knows of its control plane now (logs, tests).
    public struct Status: Sendable, Equatable {
        public var connected = false
        /// Connection attempts after the first.
        public var reconnects = 0
        /// NACKs sent.
        public var rejections = 0
        /// The control plane's `system_version_info` of the last applied response.
        public var appliedVersion = ""
        /// On the last connection, until every type had been answered: resources received and
        /// names removed (a reconnect that presented its versions gets only differences).
        public var catchUp: CatchUp?
        /// The last NACK's message.
        public var lastRejection: String?
    }

    public struct CatchUp: Sendable, Equatable {
        public var received: Int
        public var removed: Int

        public init(received: Int, removed: Int) {
            self.received = received
            self.removed = removed
        }
    }

    /// - Parameter identity: the node certificate (the join flow's, or the one stored under
    ///   `files`, which wins when it is newer and valid: a renewal the caller did not see).
    public init(configuration: Configuration, identity: NodeIdentity, logger: Logger) throws(MeshError) {
        self.configuration = configuration
        self.logger = logger
        var identity = identity
        if let stored = try configuration.files.loadIdentity(), stored.nodeName == identity.nodeName,
            stored.notBefore > identity.notBefore, stored.isValid()
        {
            identity = stored
        }
        var held = HeldResources()
        var version: UInt64 = 0
        do {
            if let persisted = try configuration.files.loadResources(), persisted.isComplete {
                _ = try persisted.snapshot(version: 0)
                held = persisted
                version = persisted.snapshotVersion
            }
        } catch {
            logger.warning(
                "The persisted snapshot cannot be used; waiting for the control plane",
                metadata: ["error": "\(error)", "path": "\(configuration.files.snapshotPath)"])
        }
        state = Mutex(State(identity: identity, held: held, snapshotVersion: version, status: Status()))
        metrics.connected.record(0)
        metrics.certificateExpiry.record(identity.notAfter.timeIntervalSince1970)
        if held.isComplete {
            publish(held: held, version: version, identity: identity)
            logger.info(
                "Serving the persisted snapshot until the control plane answers",
                metadata: ["xds.version": "\(held.systemVersion)", "xds.resources": "\(held.count)"])
        }
    }

    public func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot> {
        let updates = watch.updates()
        let (stream, continuation) = AsyncStream.makeStream(of: Snapshot.self, bufferingPolicy: .bufferingNewest(1))
        let relay = Task {
            for await snapshot in updates {
                if let snapshot { continuation.yield(snapshot.scoped(to: node)) }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }

    /// The snapshot served now; nil before the first (persisted or live).
    public var current: Snapshot? { watch.current }

    public var status: Status { state.withLock { $0.status } }

    /// The node certificate in use.
    public var identity: NodeIdentity { state.withLock { $0.identity } }

    /// Connects, follows the control plane and reconnects until graceful shutdown (or
    /// cancellation); renews the node certificate meanwhile.
    public func run() async throws {
        let renews = configuration.makeCSR != nil && configuration.security != .plaintextLoopbackForTesting
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.followControlPlane() }
                if renews { group.addTask { await self.renewCertificates() } }
                await group.waitForAll()
            }
        }
        watch.finish()
    }

    private func followControlPlane() async {
        var attempt = 0
        while !Task.isCancelled {
            if attempt > 0 {
                state.withLock { $0.status.reconnects += 1 }
                metrics.reconnects.increment()
            }
            let answered: Bool
            do {
                answered = try await stream()
            } catch {
                answered = state.withLock { $0.status.catchUp != nil }
                if !Task.isCancelled {
                    logger.warning(
                        "The control plane is not reachable; serving the last snapshot",
                        metadata: ["xds.server": "\(configuration.host):\(configuration.port)", "error": "\(error)"])
                }
            }
            setConnected(false)
            attempt = answered ? 0 : attempt + 1
            let delay = configuration.backoff.delay(attempt: attempt)
            try? await Task.sleep(for: delay)
        }
    }

    func setConnected(_ connected: Bool) {
        let changed = state.withLock { state -> Bool in
            defer { state.status.connected = connected }
            return state.status.connected != connected
        }
        metrics.connected.record(connected ? 1 : 0)
        if changed, connected {
            logger.info("Connected to the control plane", metadata: ["xds.server": "\(configuration.host):\(configuration.port)"])
        }
    }

    // MARK: state the stream changes

    /// The held resources (a reconnect's `initial_resource_versions`).
    var held: HeldResources { state.withLock { $0.held } }

    /// Applies one response's resources; on success publishes the new snapshot (once every type
    /// has arrived) and persists it. Throws what the node NACKs.
    func apply(
        typeURL: String, systemVersion: String,
        resources: [(name: String, version: String, resource: Google_Protobuf_Any)], removed: [String]
    ) throws(MeshError) {
        var held = self.held
        try held.apply(typeURL: typeURL, resources: resources, removed: removed)
        held.systemVersion = systemVersion
        let changed = held.byType != self.held.byType || held.answeredTypes != self.held.answeredTypes
        let (version, identity) = state.withLock { state -> (UInt64, NodeIdentity) in
            if changed { state.snapshotVersion += 1 }
            held.snapshotVersion = state.snapshotVersion
            state.held = held
            state.status.appliedVersion = systemVersion
            return (state.snapshotVersion, state.identity)
        }
        metrics.resourcesReceived.increment(by: resources.count)
        if let number = Double(systemVersion) { metrics.appliedVersion.record(number) }
        guard held.isComplete, changed || watch.current == nil else { return }
        publish(held: held, version: version, identity: identity)
        do {
            try configuration.files.saveResources(held)
        } catch {
            logger.error("Cannot persist the last snapshot", metadata: ["error": "\(error)"])
        }
    }

    func recordRejection(_ message: String) {
        state.withLock {
            $0.status.rejections += 1
            $0.status.lastRejection = message
        }
        metrics.rejections.increment()
    }

    func recordCatchUp(_ catchUp: CatchUp) {
        state.withLock { $0.status.catchUp = catchUp }
    }

    func resetCatchUp() {
        state.withLock { $0.status.catchUp = nil }
    }

    /// A renewed certificate: stored, used from the next connection, and in the snapshot's
    /// mesh identity secrets now.
    func replaceIdentity(_ identity: NodeIdentity) throws(MeshError) {
        try configuration.files.saveIdentity(identity)
        let (held, version) = state.withLock { state -> (HeldResources, UInt64) in
            state.identity = identity
            if state.held.isComplete { state.snapshotVersion += 1 }
            return (state.held, state.snapshotVersion)
        }
        metrics.certificateExpiry.record(identity.notAfter.timeIntervalSince1970)
        if held.isComplete { publish(held: held, version: version, identity: identity) }
    }

    private func publish(held: HeldResources, version: UInt64, identity: NodeIdentity) {
        guard let snapshot = try? held.snapshot(version: version) else { return }
        watch.send(NodeSecrets.filled(snapshot, identity: identity))
    }
}
