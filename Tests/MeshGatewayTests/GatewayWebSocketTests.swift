import MeshNet
import MeshTesting
import Testing

/// WebSocket through the gateway: the handshake is routed like any request, the upstream's 101
/// turns both connections into a relay, and frames flow both ways, including ones the upstream
/// sends right after its 101 and ones larger than a socket read.
@Suite("Gateway WebSocket pass-through")
struct GatewayWebSocketTests {
    static let handshake = Array(
        """
        GET /chat HTTP/1.1\r
        Host: app.example.com\r
        Upgrade: websocket\r
        Connection: Upgrade\r
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
        Sec-WebSocket-Version: 13\r
        \r

        """.utf8)

    @Test("a WebSocket echo: 101 with the accept key, a greeting, text and 100 KB binary frames echoed, close")
    func echo() async throws {
        let harness = try await GatewayHarness()
        let socket = try await WebSocketEchoBackend.start(name: "ws", group: harness.group)
        let http = try await harness.backends(["v1"])
        let routes = GatewayRoutingTests.virtualService(
            """
              - match: [{uri: {prefix: /http}}]
                route: [{destination: {host: app, subset: v1}}]
              - route: [{destination: {host: app, subset: v2}}]
            """) + "\n---\n" + GatewayRoutingTests.subsets
        let report = try await harness.apply(routes, endpoints: [("v2", socket.port), ("v1", http[0].port)])
        #expect(report.failed.isEmpty, "\(report)")

        let client = try await ByteConnection.connect(port: harness.port, group: harness.group)
        try await client.send(Self.handshake)
        do {
            try await eventually("the 101 and the greeting") {
                guard let (_, rest) = WebSocketWire.splitHead(client.received) else { return false }
                return WebSocketWire.serverFrames(rest).first?.text == "hello from ws"
            }
        } catch {
            Issue.record("received: \(String(decoding: client.received, as: UTF8.self)) closed: \(client.isClosed)")
            throw error
        }
        let (head, rest) = try #require(WebSocketWire.splitHead(client.received))
        #expect(head.hasPrefix("HTTP/1.1 101 "), "\(head)")
        let lower = head.lowercased()
        // RFC 6455's sample key and its accept value.
        #expect(lower.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="), "\(head)")
        #expect(lower.contains("upgrade: websocket") && lower.contains("connection: upgrade"), "\(head)")
        #expect(WebSocketWire.serverFrames(rest).count == 1)

        client.clear()
        try await client.send(WebSocketWire.clientFrame(Array("ping 1".utf8)))
        try await eventually("the text echo") { WebSocketWire.serverFrames(client.received) == [.init(opcode: 1, payload: Array("ping 1".utf8))] }
        client.clear()
        let large = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await client.send(WebSocketWire.clientFrame(opcode: 2, large))
        try await eventually("the binary echo") { WebSocketWire.serverFrames(client.received).first?.payload.count == large.count }
        #expect(WebSocketWire.serverFrames(client.received).first == .init(opcode: 2, payload: large))
        client.clear()
        try await client.send(WebSocketWire.clientFrame(opcode: 8, [0x03, 0xe8]))
        try await eventually("the close handshake ends both connections") { client.isClosed }
        #expect(WebSocketWire.serverFrames(client.received).first?.opcode == 8)
        await client.close()

        // An upgrade the upstream does not accept is answered as a normal response, then the
        // connection closes (its request parser stopped at the upgrade).
        var refused = Self.handshake
        refused.replaceSubrange(0..<9, with: Array("GET /http".utf8))
        let plain = try await RawClient.exchange(port: harness.port, bytes: refused, quietPeriod: 3)
        #expect(plain.firstStatus == 200 && plain.text.hasSuffix("v1") && plain.closedByPeer, "\(plain.text)")

        // Without an upgrade, the WebSocket server's own answer passes through and keep-alive holds.
        let proxy = try await harness.client()
        let answer = try await proxy.send("GET", "/chat", host: harness.host)
        #expect(answer.status == 426)
        let again = try await proxy.send("GET", "/http/x", host: harness.host)
        #expect(again.status == 200)
        await proxy.close()
        await socket.stop()
        await harness.shutdown(http)
    }
}
