import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import Testing

@Suite("TCPRelay on 127.0.0.1")
struct TCPRelayTests {
    /// Bytes that are not a repeating short pattern, so a dropped or reordered chunk shows.
    static func payload(size: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
    }

    @Test("1 MiB goes through and back with a slow reader, and half-close passes both ways")
    func bulkEchoWithHalfClose() async throws {
        try await RelayBed.with { bed in
            let upstream = try await bed.startEchoUpstream()
            let relay = try await bed.startRelay(to: try #require(upstream.localAddress))
            let payload = Self.payload(size: 1024 * 1024)
            let echoed = try await bed.bulkExchange(with: relay, payload: payload, pause: .milliseconds(300))
            let stats = try await bed.firstStats()
            // `END` arrives after the upstream saw the client's FIN, and before the close reaches the client.
            var expected = payload
            expected.writeString("END")
            #expect(echoed.readableBytes == expected.readableBytes)
            #expect(echoed == expected)
            #expect(stats.bytesIn == payload.readableBytes)
            #expect(stats.bytesOut == payload.readableBytes + 3)
            #expect(stats.connectError == nil)
            #expect(stats.upstreamAddress == upstream.localAddress)
            #expect(stats.duration > .zero)
            #expect(bed.probe.timesUnwritable > 0)
        }
    }

    @Test("an unreachable upstream closes the client and reports the connect error")
    func connectFailure() async throws {
        try await RelayBed.with { bed in
            // A port nothing listens on, below the ephemeral range: binding port 0 and closing was
            // racy (a concurrent test's client could take the port as its source port, or a
            // listener the port itself).
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: try FreePort.take())
            let relay = try await bed.startRelay(to: address)
            let echoed = try await bed.bulkExchange(with: relay, payload: Self.payload(size: 1024), pause: .zero)
            let stats = try await bed.firstStats()
            #expect(echoed.readableBytes == 0)
            #expect(stats.connectError != nil)
            #expect(stats.bytesIn == 0 && stats.bytesOut == 0)
        }
    }
}
