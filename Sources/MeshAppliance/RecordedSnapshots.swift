import MeshAPI
import MeshModel
import Synchronization

/// A snapshot source that remembers the last snapshot it handed out: what the data plane is
/// serving, for the callbacks that run after it applied one (whatever the source: the compiler
/// in this process or a control plane over xDS).
final class RecordedSnapshots: SnapshotSource {
    private let source: any SnapshotSource
    private let last = Mutex<Snapshot>(.empty)

    init(_ source: any SnapshotSource) {
        self.source = source
    }

    var current: Snapshot { last.withLock { $0 } }

    func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot> {
        let upstream = source.snapshots(for: node)
        let (stream, continuation) = AsyncStream.makeStream(of: Snapshot.self, bufferingPolicy: .bufferingNewest(1))
        let relay = Task { [self] in
            for await snapshot in upstream {
                self.last.withLock { $0 = snapshot }
                continuation.yield(snapshot)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }
}
