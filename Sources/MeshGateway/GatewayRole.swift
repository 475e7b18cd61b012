public import Logging
public import MeshAPI
public import MeshNet
public import MeshModel
public import ServiceLifecycle

/// The gateway role: serves the snapshot's listeners (north-south traffic) with the MeshNet
/// engine, applying each new snapshot as it comes, until graceful shutdown drains it.
///
/// ```swift
/// let plane = DataPlane(group: MultiThreadedEventLoopGroup(numberOfThreads: 1), logger: logger)
/// let role = GatewayRole(dataPlane: plane, snapshots: publisher, logger: logger)
/// ```
public struct GatewayRole: Service {
    private let dataPlane: DataPlane
    private let snapshots: any SnapshotSource
    private let node: DataPlaneNode
    private let logger: Logger
    private let onApplied: @Sendable (DataPlane.ApplyReport) -> Void

    /// - Parameters:
    ///   - node: whose listeners to serve; this process's gateway by default.
    ///   - onApplied: called after each snapshot is served (readiness, tests).
    public init(
        dataPlane: DataPlane, snapshots: any SnapshotSource, node: DataPlaneNode = .local(roles: [.gateway]),
        logger: Logger,
        onApplied: @escaping @Sendable (DataPlane.ApplyReport) -> Void = { _ in }
    ) {
        self.dataPlane = dataPlane
        self.snapshots = snapshots
        self.node = node
        self.logger = logger
        self.onApplied = onApplied
    }

    public func run() async throws {
        let stream = snapshots.snapshots(for: node)
        for await snapshot in stream.cancelOnGracefulShutdown() {
            let report = await dataPlane.apply(snapshot)
            logger.info(
                "Snapshot applied",
                metadata: [
                    "snapshot.version": "\(report.version)", "listeners.bound": "\(report.bound.count)",
                    "listeners.failed": "\(report.failed.count)",
                ])
            onApplied(report)
        }
        await dataPlane.shutdown()
    }
}
