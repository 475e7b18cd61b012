import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import Testing

/// The TCP relay's idle timeout (Envoy's tcp_proxy `idle_timeout`): both connections close once no
/// byte moved either way for the timeout, and traffic in either direction keeps a relay open.
/// Bounds are generous: the tests must hold on a saturated CPU.
@Suite("TCP relay idle timeout")
struct RelayIdleTimeoutTests {
    /// An echo upstream and a relay listener with `idleTimeout`, on loopback.
    private static func withRelay(
        idleTimeout: TimeAmount?,
        _ body: (_ relayPort: Int, _ group: any EventLoopGroup) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let upstream = try await ServerBootstrap(group: group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HalfCloseEchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let address = try #require(upstream.localAddress)
        let relay = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                TCPRelay.relay(downstream: channel, to: address, connectTimeout: .seconds(2), idleTimeout: idleTimeout)
                { _ in }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            try await body(try #require(relay.localAddress?.port), group)
        } catch {
            try? await relay.close()
            try? await upstream.close()
            try? await group.shutdownGracefully()
            throw error
        }
        try? await relay.close()
        try? await upstream.close()
        try await group.shutdownGracefully()
    }

    @Test("a relay with no traffic closes on both sides after the idle timeout, not before")
    func idleRelayCloses() async throws {
        try await Self.withRelay(idleTimeout: .milliseconds(400)) { port, group in
            // The relay starts its clock after this instant, so it may not close before 400 ms from
            // here; seeing the close late (a starved test) only makes the measure longer.
            let start = ContinuousClock.now
            let client = try await ByteConnection.connect(port: port, group: group)
            // A starved test may find the relay already closed before it sends: that is the timeout too.
            if (try? await client.send(Array("hello".utf8))) != nil {
                try await eventually("the echo", timeout: .seconds(20)) {
                    client.received == Array("hello".utf8) || client.isClosed
                }
            }
            try await eventually("the idle relay to close", timeout: .seconds(20)) { client.isClosed }
            let waited = ContinuousClock.now - start
            #expect(waited >= .milliseconds(400), "closed after only \(waited)")
            await client.close()
        }
    }

    @Test("bytes in either direction keep the relay open past the timeout")
    func trafficKeepsRelayOpen() async throws {
        try await Self.withRelay(idleTimeout: .milliseconds(1500)) { port, group in
            let client = try await ByteConnection.connect(port: port, group: group)
            let start = ContinuousClock.now
            var lastSend = start
            var longestPause = Duration.zero
            var sent = 0
            // Three times the timeout, a byte every 100 ms (the echo is the other direction). A close is
            // a failure unless this test was starved into a real pause of its own.
            while ContinuousClock.now - start < .milliseconds(4500) {
                let delivered = (try? await client.send([UInt8(ascii: "x")])) != nil
                longestPause = max(longestPause, ContinuousClock.now - lastSend)
                lastSend = ContinuousClock.now
                if delivered { sent += 1 }
                if delivered { try await Task.sleep(for: .milliseconds(100)) }
                if !delivered || client.isClosed {
                    longestPause = max(longestPause, ContinuousClock.now - lastSend)
                    #expect(
                        longestPause >= .milliseconds(750),
                        "closed after \(ContinuousClock.now - start) of steady traffic"
                    )
                    return
                }
            }
            try await eventually("the echoes") { client.received.count == sent }
            try await eventually("the relay to close once quiet", timeout: .seconds(20)) { client.isClosed }
            await client.close()
        }
    }

    @Test("no idle timeout: a quiet relay stays open")
    func noTimeout() async throws {
        try await Self.withRelay(idleTimeout: nil) { port, group in
            let client = try await ByteConnection.connect(port: port, group: group)
            try await client.send(Array("ping".utf8))
            try await eventually("the echo") { client.received.count == 4 }
            try await Task.sleep(for: .milliseconds(800))
            #expect(!client.isClosed)
            await client.close()
        }
    }
}
