import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshTesting
import Testing

@testable import MeshStore

@Suite("ConfigStore")
struct ConfigStoreTests {
    @Test("an applied resource reads back equal, at revision 1, version 1")
    func applyThenGet() async throws {
        try await withStore { store, _ in
            let result = try await store.apply([policy("a")], dryRun: false)
            #expect(result.revision == 1)
            #expect(result.outcomes == [ChangeOutcome(key: policyKey("a"), action: .created)])
            let stored = try #require(await store.get(policyKey("a")))
            #expect(stored.resource == policy("a"))
            #expect(stored.revision == 1)
            #expect(stored.createRevision == 1)
            #expect(stored.version == 1)
            #expect(await store.get(policyKey("b")) == nil)
        }
    }

    @Test("each changing write adds one revision; an identical apply keeps it")
    func revisionPerWrite() async throws {
        try await withStore { store, _ in
            #expect(await store.currentRevision() == 0)
            _ = try await store.apply([policy("a")], dryRun: false)
            let again = try await store.apply([policy("a")], dryRun: false)
            #expect(again.revision == 1)
            #expect(again.outcomes.map(\.action) == [.unchanged])
            #expect(await store.currentRevision() == 1)

            let changed = try await store.apply([policy("a", version: "v2")], dryRun: false)
            #expect(changed.revision == 2)
            #expect(changed.outcomes.map(\.action) == [.configured])
            let stored = try #require(await store.get(policyKey("a")))
            #expect(stored.revision == 2)
            #expect(stored.createRevision == 1)
            #expect(stored.version == 2)

            _ = try await store.delete([policyKey("a")])
            #expect(await store.currentRevision() == 3)
        }
    }

    @Test("concurrent writes are serialized: each gets its own revision")
    func concurrentWrites() async throws {
        try await withStore { store, _ in
            let revisions = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<20 {
                    group.addTask { try await store.apply([policy("p\(index)")], dryRun: false).revision }
                }
                var all: [Int64] = []
                for try await revision in group { all.append(revision) }
                return all
            }
            #expect(revisions.sorted() == Array(1...20))
            #expect(await store.currentRevision() == 20)
            #expect(await store.allResources().count == 20)
        }
    }

    @Test("a multi-resource apply is one revision carried by every resource")
    func batchIsOneRevision() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("x")], dryRun: false)
            let result = try await store.apply(
                [policy("x"), policy("a"), authorization("b"), policy("c", namespace: "other")],
                dryRun: false
            )
            #expect(result.revision == 2)
            #expect(result.outcomes.map(\.action) == [.unchanged, .created, .created, .created])
            let revisions = await store.list(kind: nil, namespace: nil, selector: nil).map(\.revision)
            #expect(revisions.sorted() == [1, 2, 2, 2])
        }
    }

    @Test(
        "a batch with an invalid resource is rejected and writes nothing",
        arguments: [
            "duplicate key",
            "unknown apiVersion",
        ]
    )
    func invalidBatchWritesNothing(problem: String) async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("keep")], dryRun: false)
            var bad = policy("b")
            var batch = [policy("a"), bad]
            switch problem {
            case "duplicate key": batch.append(policy("b", version: "v2"))
            default:
                bad.apiVersion = "security.istio.io/v9"
                batch[1] = bad
            }
            let error = await #expect(throws: ValidationError.self) {
                try await store.apply(batch, dryRun: false)
            }
            #expect(error?.issues.contains { $0.resource == policyKey("b").description } == true)
            #expect(await store.currentRevision() == 1)
            #expect(await store.allResources() == [policy("keep")])
        }
    }

    @Test("an older accepted apiVersion is stored as the preferred one")
    func apiVersionNormalized() async throws {
        try await withStore { store, _ in
            var old = policy("a")
            old.apiVersion = "security.istio.io/v1beta1"
            _ = try await store.apply([old], dryRun: false)
            let stored = try #require(await store.get(policyKey("a")))
            #expect(stored.resource.apiVersion == "security.istio.io/v1")
            #expect(try await store.apply([policy("a")], dryRun: false).outcomes.map(\.action) == [.unchanged])
        }
    }

    @Test("delete is all-or-nothing: a missing key is not found and nothing is deleted")
    func deleteAllOrNothing() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("a"), policy("b")], dryRun: false)
            let error = await #expect(throws: MeshError.self) {
                try await store.delete([policyKey("a"), policyKey("x")])
            }
            #expect(error?.code == .notFound)
            #expect(error?.message == "PeerAuthentication default/x not found")
            #expect(await store.allResources() == [policy("a"), policy("b")])
            #expect(await store.currentRevision() == 1)

            let result = try await store.delete([policyKey("a"), policyKey("b")])
            #expect(result.revision == 2)
            #expect(result.outcomes.map(\.action) == [.deleted, .deleted])
            #expect(await store.allResources().isEmpty)
        }
    }

    @Test("a dry run reports outcomes but writes nothing")
    func dryRunWritesNothing() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("a")], dryRun: false)
            let result = try await store.apply([policy("a", version: "v2"), policy("b")], dryRun: true)
            #expect(result.dryRun)
            #expect(result.revision == 1)
            #expect(result.outcomes.map(\.action) == [.configured, .created])
            #expect(await store.currentRevision() == 1)
            #expect(await store.allResources() == [policy("a")])
            #expect(try await store.history(policyKey("a")).count == 1)
        }
    }

    @Test("list filters by kind and namespace and sorts by key")
    func listFilters() async throws {
        try await withStore { store, _ in
            _ = try await store.apply(
                [policy("b"), policy("a", namespace: "z"), authorization("c"), policy("a")],
                dryRun: false
            )
            let policies = await store.list(kind: .peerAuthentication, namespace: nil, selector: nil)
            #expect(policies.map(\.key) == [policyKey("a"), policyKey("b"), policyKey("a", namespace: "z")])
            let inDefault = await store.list(kind: nil, namespace: "default", selector: nil)
            #expect(inDefault.map(\.key.name) == ["c", "a", "b"])  // AuthorizationPolicy sorts first
        }
    }

    @Test("reopening the file restores every resource, the revision and history")
    func reopenKeepsState() async throws {
        let directory = try TemporaryDirectory(prefix: "meshstore-test")
        defer { directory.remove() }
        let path = directory.file("config.db")
        let store = try ConfigStore(path: path)
        _ = try await store.apply([policy("a"), authorization("b")], dryRun: false)
        _ = try await store.apply([policy("a", version: "v2"), policy("c")], dryRun: false)
        _ = try await store.delete([policyKey("c")])
        let before = await store.list(kind: nil, namespace: nil, selector: nil)
        let historyBefore = try await store.history(policyKey("a"))
        await store.close()

        let reopened = try ConfigStore(path: path)
        #expect(await reopened.currentRevision() == 3)
        #expect(await reopened.list(kind: nil, namespace: nil, selector: nil) == before)
        #expect(try await reopened.history(policyKey("a")) == historyBefore)
        let next = try await reopened.apply([policy("d")], dryRun: false)
        #expect(next.revision == 4)
        await reopened.close()
    }

    @Test("the file is in WAL mode with synchronous=FULL by default")
    func walMode() async throws {
        try await withStore { store, directory in
            #expect(try await store.pragma("journal_mode") == "wal")
            #expect(try await store.pragma("synchronous") == "2")  // FULL
            _ = try await store.apply([policy("a")], dryRun: false)
            #expect(FileManager.default.fileExists(atPath: directory.file("config.db-wal")))
        }
    }

    @Test("a closed store refuses writes and ends its watches")
    func closedStore() async throws {
        let directory = try TemporaryDirectory(prefix: "meshstore-test")
        defer { directory.remove() }
        let store = try ConfigStore(path: directory.file("config.db"))
        var iterator = store.watch().makeAsyncIterator()
        #expect(await iterator.next()?.revision == 0)
        await store.close()
        #expect(await iterator.next() == nil)
        let error = await #expect(throws: MeshError.self) {
            try await store.apply([policy("a")], dryRun: false)
        }
        #expect(error?.code == .unavailable)
    }
}
