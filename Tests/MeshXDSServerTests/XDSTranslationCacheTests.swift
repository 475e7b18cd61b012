import MeshModel
import Synchronization
import Testing

@testable import MeshXDSServer

@Suite("Translations shared between nodes")
struct XDSTranslationCacheTests {
    @Test("nodes with the same roles share a snapshot's translation; other roles and new snapshots translate again")
    func sharing() {
        let calls = Mutex(0)
        let cache = XDSTranslationCache(capacity: 8) { snapshot, node in
            calls.withLock { $0 += 1 }
            return XDSServedResources(systemVersion: "\(snapshot.version)-\(node.roles.sorted())")
        }
        let one = Snapshot(version: 1)
        let gateway = { (id: String) in DataPlaneNode(id: id, roles: [.gateway]) }
        #expect(cache.resources(for: one, node: gateway("a")).systemVersion == "1-[MeshModel.DataPlaneRole.gateway]")
        _ = cache.resources(for: one, node: gateway("b"))
        #expect(calls.withLock { $0 } == 1)
        _ = cache.resources(for: one, node: DataPlaneNode(id: "c", roles: [.gateway, .proxy]))
        _ = cache.resources(for: Snapshot(version: 2), node: gateway("a"))
        #expect(calls.withLock { $0 } == 3)
        let uncached = XDSTranslationCache(capacity: 0) { _, _ in
            calls.withLock { $0 += 1 }
            return XDSServedResources()
        }
        _ = uncached.resources(for: one, node: gateway("a"))
        _ = uncached.resources(for: one, node: gateway("b"))
        #expect(calls.withLock { $0 } == 5)
    }
}
