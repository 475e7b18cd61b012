public import MeshModel

/// Where a data plane gets its configuration: compiled snapshots, current first.
///
/// Co-located, the compiler role's `SnapshotPublisher` is the source; remotely, an xDS client.
public protocol SnapshotSource: Sendable {
    /// The current snapshot first, then each newer one; a slow consumer skips to the newest.
    func snapshots() -> AsyncStream<Snapshot>
}
