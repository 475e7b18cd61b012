public import MeshModel

/// Where a data plane gets its configuration: compiled snapshots, current first.
///
/// Co-located, the compiler role's `SnapshotPublisher` is the source; remotely, an xDS client; and
/// the xDS server serves each connected node from one. Every node gets the snapshot scoped to it
/// (`Snapshot.scoped(to:)`): the listeners of the roles it runs.
public protocol SnapshotSource: Sendable {
    /// The node's current snapshot first, then each newer one; a slow consumer skips to the newest.
    func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot>
}

extension SnapshotSource {
    /// The whole mesh's snapshots (every role's listeners): what the console shows and explains.
    public func snapshots() -> AsyncStream<Snapshot> { snapshots(for: .wholeMesh) }
}
