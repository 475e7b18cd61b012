import MeshAPI
import MeshModel
import Testing

@testable import MeshStore

@Suite("ConfigStore watch")
struct ConfigStoreWatchTests {
    @Test("a subscriber gets the current state first, then every change in revision order")
    func currentThenEachChange() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("a")], dryRun: false)
            var states = store.watch().makeAsyncIterator()
            let first = try #require(await states.next())
            #expect(first.revision == 1)
            #expect(first.resources.keys.sorted() == [policyKey("a")])

            for revision in 2...6 as ClosedRange<Int64> {
                _ = try await store.apply([policy("a", version: "v\(revision)")], dryRun: false)
                let state = try #require(await states.next())
                #expect(state.revision == revision)
                #expect(state.resources[policyKey("a")]?.resource == policy("a", version: "v\(revision)"))
            }
            _ = try await store.delete([policyKey("a")])
            let last = try #require(await states.next())
            #expect(last.revision == 7)
            #expect(last.resources.isEmpty)
            #expect(await last == store.currentState())
        }
    }

    @Test("a subscriber that did not read sees only the newest state")
    func slowSubscriberSkips() async throws {
        try await withStore { store, _ in
            var states = store.watch().makeAsyncIterator()
            for index in 1...5 {
                _ = try await store.apply([policy("p\(index)")], dryRun: false)
            }
            let newest = try #require(await states.next())
            #expect(newest.revision == 5)
            #expect(newest.resources.count == 5)
            await store.close()
            #expect(await states.next() == nil)
        }
    }

    @Test("writes that change nothing publish nothing")
    func unchangedPublishesNothing() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([policy("a")], dryRun: false)
            var states = store.watch().makeAsyncIterator()
            #expect(await states.next()?.revision == 1)
            _ = try await store.apply([policy("a")], dryRun: false)
            _ = try await store.apply([policy("b")], dryRun: true)
            _ = try await store.apply([policy("b")], dryRun: false)
            #expect(await states.next()?.revision == 2)
        }
    }
}
