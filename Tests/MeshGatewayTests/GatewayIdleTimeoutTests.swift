import MeshNet
import MeshTesting
import NIOCore
import Testing

/// `gateway.tcpIdleTimeout` on the relays the gateway runs: TCP servers and WebSocket tunnels close
/// after the timeout without a byte either way.
@Suite("Gateway TCP idle timeout")
struct GatewayIdleTimeoutTests {
    static func harness() async throws -> GatewayHarness {
        var settings = ProxySettings()
        settings.tcpIdleTimeout = .milliseconds(800)
        return try await GatewayHarness(settings: settings)
    }

    @Test("a TCP server's relay closes once idle for gateway.tcpIdleTimeout")
    func tcpServer() async throws {
        let harness = try await Self.harness()
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        let report = try await harness.apply(GatewayTCPTests.tcpServer(port: port), backends: backends)
        #expect(report.failed.isEmpty, "\(report)")
        // The relay starts its clock after this instant, so it may not close before the timeout from
        // here; seeing the close late (a starved test) only makes the measure longer.
        let start = ContinuousClock.now
        let client = try await ByteConnection.connect(port: port, group: harness.group)
        // A keep-alive exchange through the relay, then silence. A starved test may find the relay
        // already closed before it sends: that is the timeout too.
        if (try? await client.send(Array("GET /a HTTP/1.1\r\nHost: raw\r\n\r\n".utf8))) != nil {
            try await eventually("the relayed answer", timeout: .seconds(20)) {
                String(decoding: client.received, as: UTF8.self).hasSuffix("v1") || client.isClosed
            }
        }
        try await eventually("the idle relay to close", timeout: .seconds(20)) { client.isClosed }
        #expect(ContinuousClock.now - start >= .milliseconds(800))
        await client.close()
        await harness.shutdown(backends)
    }

    @Test("a WebSocket tunnel closes once idle for gateway.tcpIdleTimeout, and traffic keeps it open")
    func webSocketTunnel() async throws {
        let harness = try await Self.harness()
        let socket = try await WebSocketEchoBackend.start(name: "ws", group: harness.group)
        try await harness.apply(
            GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"),
            endpoints: [("ws", socket.port)]
        )
        let client = try await ByteConnection.connect(port: harness.port, group: harness.group)
        // The tunnel's idle clock starts with the 101: a slow wait for the greeting is a pause too.
        let opened = ContinuousClock.now
        try await client.send(GatewayWebSocketTests.handshake)
        try await eventually("the 101 and the greeting") {
            guard let (_, rest) = WebSocketWire.splitHead(client.received) else { return false }
            return WebSocketWire.serverFrames(rest).first?.text == "hello from ws"
        }
        // Frames every 100 ms for three times the timeout: the tunnel stays, unless this test was
        // starved long enough to leave a real pause (then the close is right, and not a failure).
        let start = ContinuousClock.now
        var lastSend = opened
        var longestPause = Duration.zero
        while ContinuousClock.now - start < .milliseconds(2400) {
            let delivered = (try? await client.send(WebSocketWire.clientFrame(Array("tick".utf8)))) != nil
            longestPause = max(longestPause, ContinuousClock.now - lastSend)
            lastSend = ContinuousClock.now
            if delivered { try await Task.sleep(for: .milliseconds(100)) }
            if !delivered || client.isClosed {
                longestPause = max(longestPause, ContinuousClock.now - lastSend)
                #expect(
                    longestPause >= .milliseconds(400),
                    "closed after \(ContinuousClock.now - start) of steady frames"
                )
                break
            }
        }
        try await eventually("the idle tunnel to close", timeout: .seconds(20)) { client.isClosed }
        await client.close()
        await socket.stop()
        await harness.shutdown()
    }
}
