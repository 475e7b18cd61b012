import NIOCore
import Testing

@testable import MeshNet

@Suite("HTTP/2 upstream session capacity")
struct HTTP2SessionCapacityTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("no stream before the server's SETTINGS; requests may queue meanwhile")
    func connecting() {
        var capacity = HTTP2SessionCapacity(maxStreams: nil, now: start)
        #expect(!capacity.canOpenStream)
        #expect(capacity.queueCapacity == HTTP2SessionCapacity.assumedConcurrentStreams)
        capacity.receivedSettings(maxConcurrentStreams: nil)
        #expect(capacity.canOpenStream)
        #expect(capacity.queueCapacity == 0)
    }

    @Test("SETTINGS_MAX_CONCURRENT_STREAMS bounds the open streams; a closed one frees a place")
    func concurrency() {
        var capacity = HTTP2SessionCapacity(maxStreams: nil, now: start)
        capacity.receivedSettings(maxConcurrentStreams: 2)
        capacity.streamOpened()
        capacity.streamOpened()
        #expect(!capacity.canOpenStream)
        #expect(capacity.streamClosed(now: start) == .none)
        #expect(capacity.canOpenStream)
        // A later SETTINGS may raise the limit.
        capacity.streamOpened()
        capacity.receivedSettings(maxConcurrentStreams: 3)
        #expect(capacity.canOpenStream)
        #expect(capacity.phase == .ready)
    }

    @Test("the cluster's own maxConcurrentStreams caps what the server allows, and what may queue")
    func localLimit() {
        var capacity = HTTP2SessionCapacity(maxStreams: nil, localLimit: 3, now: start)
        #expect(capacity.queueCapacity == 3)
        capacity.receivedSettings(maxConcurrentStreams: 100)
        #expect(capacity.maxConcurrentStreams == 3)
        capacity.receivedSettings(maxConcurrentStreams: 2)
        #expect(capacity.maxConcurrentStreams == 2)
    }

    @Test("maxRequestsPerConnection: after N streams none opens, and the last one's end closes the session")
    func maxStreams() {
        var capacity = HTTP2SessionCapacity(maxStreams: 2, now: start)
        #expect(capacity.queueCapacity == 2)
        capacity.receivedSettings(maxConcurrentStreams: 100)
        capacity.streamOpened()
        capacity.streamOpened()
        #expect(capacity.phase == .draining)
        #expect(!capacity.canOpenStream)
        #expect(capacity.streamClosed(now: start) == .none)
        #expect(capacity.streamClosed(now: start) == .close)
        #expect(capacity.phase == .closed)
    }

    @Test("GOAWAY: no new streams, in-flight ones finish, then close; an idle session closes at once")
    func goAway() {
        var busy = HTTP2SessionCapacity(maxStreams: nil, now: start)
        busy.receivedSettings(maxConcurrentStreams: nil)
        busy.streamOpened()
        #expect(busy.drain() == .none)
        #expect(!busy.canOpenStream)
        #expect(busy.streamClosed(now: start) == .close)

        var idle = HTTP2SessionCapacity(maxStreams: nil, now: start)
        idle.receivedSettings(maxConcurrentStreams: nil)
        #expect(idle.drain() == .close)
        #expect(idle.drain() == .none)
    }

    @Test("idle timeout counts from the last stream's end and never while a stream is open")
    func idleTimeout() {
        var capacity = HTTP2SessionCapacity(maxStreams: nil, now: start)
        #expect(!capacity.idleExpired(now: start + .seconds(100), timeout: .seconds(1)))  // still connecting
        capacity.receivedSettings(maxConcurrentStreams: nil)
        capacity.streamOpened()
        #expect(!capacity.idleExpired(now: start + .seconds(100), timeout: .seconds(1)))
        _ = capacity.streamClosed(now: start + .seconds(100))
        #expect(!capacity.idleExpired(now: start + .milliseconds(100_500), timeout: .seconds(1)))
        #expect(capacity.idleExpired(now: start + .seconds(101), timeout: .seconds(1)))
    }
}
