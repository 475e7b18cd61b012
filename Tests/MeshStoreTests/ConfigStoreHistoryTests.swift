import MeshAPI
import MeshCore
import MeshModel
import Testing

@testable import MeshStore

@Suite("ConfigStore history and rollback")
struct ConfigStoreHistoryTests {
    @Test("history is newest first and includes deletions")
    func historyNewestFirst() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("a")], dryRun: false)  // 1
            _ = try await store.apply([policy("other")], dryRun: false)  // 2
            _ = try await store.apply([policy("a", version: "v2")], dryRun: false)  // 3
            _ = try await store.delete([policyKey("a")])  // 4
            let history = try await store.history(policyKey("a"))
            #expect(history.map(\.revision) == [4, 3, 1])
            #expect(history.map(\.action) == [.deleted, .configured, .created])
            #expect(history.map(\.resource) == [nil, policy("a", version: "v2"), policy("a")])
            #expect(try await store.history(policyKey("never")).isEmpty)
        }
    }

    @Test("history keeps only the newest entries per resource")
    func historyDepth() async throws {
        try await withStore(options: .init(historyDepth: 3)) { store, _ in
            for version in 1...6 {
                _ = try await store.apply([policy("a", version: "v\(version)"), policy("b", version: "v\(version)")], dryRun: false)
            }
            let history = try await store.history(policyKey("a"))
            #expect(history.map(\.revision) == [6, 5, 4])
            #expect(history.first?.resource == policy("a", version: "v6"))
            #expect(try await store.history(policyKey("b")).count == 3)
        }
    }

    @Test("rollback restores one resource as a new revision, or deletes it if it did not exist then")
    func rollbackOne() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("other")], dryRun: false)  // 1
            _ = try await store.apply([policy("a")], dryRun: false)  // 2
            _ = try await store.apply([policy("a", version: "v2"), policy("other", version: "v2")], dryRun: false)  // 3

            let restored = try await store.rollback(policyKey("a"), to: 2)
            #expect(restored.revision == 4)
            #expect(restored.outcomes == [ChangeOutcome(key: policyKey("a"), action: .configured)])
            let stored = try #require(await store.get(policyKey("a")))
            #expect(stored.resource == policy("a"))
            #expect(stored.version == 3)
            #expect(stored.createRevision == 2)
            #expect(await store.get(policyKey("other"))?.resource == policy("other", version: "v2"))

            let same = try await store.rollback(policyKey("a"), to: 2)
            #expect(same.revision == 4)
            #expect(same.outcomes.map(\.action) == [.unchanged])

            let removed = try await store.rollback(policyKey("a"), to: 1)
            #expect(removed.revision == 5)
            #expect(removed.outcomes.map(\.action) == [.deleted])
            #expect(await store.get(policyKey("a")) == nil)

            let recreated = try await store.rollback(policyKey("a"), to: 3)
            #expect(recreated.outcomes.map(\.action) == [.created])
            #expect(await store.get(policyKey("a"))?.resource == policy("a", version: "v2"))
            #expect(await store.get(policyKey("a"))?.createRevision == 6)
            #expect(try await store.history(policyKey("a")).map(\.revision) == [6, 5, 4, 3, 2])
        }
    }

    @Test("rollback to a revision pruned from history fails and changes nothing")
    func rollbackPruned() async throws {
        try await withStore(options: .init(historyDepth: 2)) { store, _ in
            for version in 1...4 {
                _ = try await store.apply([policy("a", version: "v\(version)")], dryRun: false)
            }
            let error = await #expect(throws: MeshError.self) {
                try await store.rollback(policyKey("a"), to: 1)
            }
            #expect(error?.code == .notFound)
            #expect(error?.message == "revision 1 of PeerAuthentication default/a is no longer in history (history depth 2)")
            let allError = await #expect(throws: MeshError.self) { try await store.rollbackAll(to: 1) }
            #expect(allError?.code == .notFound)
            #expect(await store.currentRevision() == 4)
            #expect(await store.allResources() == [policy("a", version: "v4")])

            _ = try await store.rollback(policyKey("a"), to: 3)
            #expect(await store.allResources() == [policy("a", version: "v3")])
        }
    }

    @Test("rollbackAll makes the whole store what it was at an earlier revision, as one revision")
    func rollbackAll() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("a"), policy("b"), authorization("c")], dryRun: false)  // 1
            _ = try await store.apply([policy("d")], dryRun: false)  // 2
            let atTwo = await store.allResources()
            _ = try await store.apply([policy("a", version: "v2"), policy("e")], dryRun: false)  // 3
            _ = try await store.delete([policyKey("b"), ResourceKey(kind: .authorizationPolicy, namespace: "default", name: "c")])  // 4
            _ = try await store.apply([policy("b", version: "v3")], dryRun: false)  // 5

            let result = try await store.rollbackAll(to: 2)
            #expect(result.revision == 6)
            #expect(await store.allResources() == atTwo)
            #expect(Set(result.outcomes.map(\.key.name)) == ["a", "b", "c", "e"])
            let revisions = await store.list(kind: nil, namespace: nil, selector: nil).map(\.revision)
            #expect(revisions == [6, 6, 6, 2])  // c, a, b restored at 6; d untouched since 2

            let none = try await store.rollbackAll(to: 0)
            #expect(none.revision == 7)
            #expect(await store.allResources().isEmpty)

            let again = try await store.rollbackAll(to: 6)
            #expect(again.revision == 8)
            #expect(await store.allResources() == atTwo)
        }
    }

    @Test("rollback to a revision outside 0...current is an invalid argument", arguments: [-1, 3] as [Int64])
    func rollbackOutOfRange(revision: Int64) async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("a")], dryRun: false)
            _ = try await store.apply([policy("a", version: "v2")], dryRun: false)
            let error = await #expect(throws: MeshError.self) { try await store.rollbackAll(to: revision) }
            #expect(error?.code == .invalidArgument)
            let one = await #expect(throws: MeshError.self) { try await store.rollback(policyKey("a"), to: revision) }
            #expect(one?.code == .invalidArgument)
            #expect(await store.currentRevision() == 2)
        }
    }
}
