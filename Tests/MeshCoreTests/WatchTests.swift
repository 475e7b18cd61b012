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

@Suite("DurationText")
struct DurationTextTests {
    @Test("parses Istio durations", arguments: [
        ("1s", 1.0), ("1.5s", 1.5), ("100ms", 0.1), ("2m", 120), ("1h30m", 5400), ("250us", 0.00025), ("0s", 0),
    ])
    func parses(text: String, seconds: Double) {
        let duration = DurationText.parse(text)
        #expect(duration != nil)
        #expect(abs((duration?.seconds ?? -1) - seconds) < 1e-9)
    }

    @Test("rejects malformed durations", arguments: ["", "5", "s", "5x", "-1s", "1.2.3s", "ms5"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("formats durations readably", arguments: [(Duration.seconds(90), "90s"), (.seconds(120), "2m"), (.milliseconds(250), "250ms"), (.seconds(7200), "2h")])
    func formats(duration: Duration, text: String) {
        #expect(DurationText.format(duration) == text)
    }
}

@Suite("constantTimeEquals")
struct ConstantTimeTests {
    @Test("equal only for identical strings", arguments: [("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("", "", true), ("a", "", false)])
    func compares(lhs: String, rhs: String, equal: Bool) {
        #expect(constantTimeEquals(lhs, rhs) == equal)
    }
}
