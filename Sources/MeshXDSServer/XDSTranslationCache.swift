import MeshModel
import Synchronization

/// Translations shared by the streams of nodes that run the same roles and take the same format:
/// a snapshot change is translated once per role set and format, not once per connected node.
///
/// Keyed by the snapshot's version and input revisions, the node's roles (all a snapshot scoped
/// to a node depends on, `Snapshot.scoped(to:)`) and its format (`XDSResourceFormat`: Envoy's
/// messages or meshbox's own); so only for a `translate` that depends on nothing else of the
/// node. Holds the newest few entries.
final class XDSTranslationCache: Sendable {
    private struct Key: Hashable {
        var version: UInt64
        var configRevision: Int64
        var registryRevision: Int64
        var roles: Set<DataPlaneRole>
        var format: XDSResourceFormat
    }

    private let translate: XDSTranslate
    private let capacity: Int
    private let entries = Mutex<[(key: Key, resources: XDSServedResources)]>([])

    /// - Parameter capacity: how many translations to keep; 0 translates for every node.
    init(capacity: Int, translate: @escaping XDSTranslate) {
        self.capacity = capacity
        self.translate = translate
    }

    func resources(for snapshot: Snapshot, node: DataPlaneNode) -> XDSServedResources {
        if capacity == 0 { return translate(snapshot, node) }
        let key = Key(
            version: snapshot.version,
            configRevision: snapshot.configRevision,
            registryRevision: snapshot.registryRevision,
            roles: node.roles,
            format: node.xdsFormat
        )
        if let hit = entries.withLock({ $0.first { $0.key == key }?.resources }) { return hit }
        // Outside the lock: streams of other role sets translate meanwhile; a concurrent miss of
        // the same key translates twice, which costs time, not correctness.
        let resources = translate(snapshot, node)
        entries.withLock { entries in
            if entries.contains(where: { $0.key == key }) { return }
            entries.insert((key, resources), at: 0)
            if entries.count > capacity { entries.removeLast() }
        }
        return resources
    }
}
