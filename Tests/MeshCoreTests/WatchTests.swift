import MeshCore
import Testing

@Suite("Watch")
struct WatchTests {
    @Test("a subscriber gets the current value first, then each newer value")
    func currentThenUpdates() async throws {
        let watch = Watch(1)
        var iterator = watch.updates().makeAsyncIterator()
        #expect(await iterator.next() == 1)
        watch.send(2)
        #expect(await iterator.next() == 2)
        watch.update { $0 += 10 }
        #expect(await iterator.next() == 12)
    }

    @Test("a slow subscriber skips to the newest value")
    func slowSubscriberSkips() async throws {
        let watch = Watch(0)
        var iterator = watch.updates().makeAsyncIterator()
        for value in 1...100 { watch.send(value) }
        #expect(await iterator.next() == 100)
    }

    @Test("finish ends every stream and a later subscriber gets the last value")
    func finishEnds() async throws {
        let watch = Watch("a")
        var iterator = watch.updates().makeAsyncIterator()
        #expect(await iterator.next() == "a")
        watch.send("b")
        watch.finish()
        #expect(await iterator.next() == "b")
        #expect(await iterator.next() == nil)
        var late = watch.updates().makeAsyncIterator()
        #expect(await late.next() == "b")
        #expect(await late.next() == nil)
    }

    @Test("a subscriber that stops iterating is removed")
    func subscriberRemoved() async throws {
        let watch = Watch(0)
        do {
            var iterator = watch.updates().makeAsyncIterator()
            _ = await iterator.next()
            #expect(watch.subscriberCount == 1)
        }
        watch.send(1)
        try await Task.sleep(for: .milliseconds(10))
        #expect(watch.subscriberCount == 0)
    }
}
