import MeshNet
import MeshTesting
import NIOCore
import NIOHTTP2
import Testing

/// WebSocket over HTTP/2 (RFC 8441) through the gateway, with a real HTTP/2 client (curl has no
/// extended CONNECT) and swift-nio's WebSocket server behind: the handshake a stream becomes,
/// frames both ways, refusals, several tunnels and requests sharing one connection, idle timeout.
@Suite("WebSocket over HTTP/2 (extended CONNECT)")
struct ExtendedConnectTests {
    /// Waits for the tunnel's `:status 200` and the echo server's greeting.
    static func awaitGreeting(_ stream: H2TestStream) async throws {
        do {
            try await eventually("the 200 and the greeting") {
                stream.status == "200" && WebSocketWire.serverFrames(stream.received).first?.text == "hello from ws"
            }
        } catch {
            Issue.record("status \(stream.status ?? "none"), \(stream.received.count) bytes, reset \(String(describing: stream.resetCode))")
            throw error
        }
    }

    /// Sends one masked frame and waits for its echo (and only it).
    static func echo(_ stream: H2TestStream, opcode: UInt8 = 1, _ payload: [UInt8]) async throws {
        stream.clear()
        try await stream.send(WebSocketWire.clientFrame(opcode: opcode, payload))
        try await eventually("the echo of \(payload.count) bytes") {
            WebSocketWire.serverFrames(stream.received).first?.payload.count == payload.count
        }
        #expect(WebSocketWire.serverFrames(stream.received) == [.init(opcode: opcode, payload: payload)])
    }

    @Test("h2c: SETTINGS allow extended CONNECT; a WebSocket echoes text and 100 KB binary frames; close ends the stream")
    func h2cEcho() async throws {
        try await ExtendedConnectBed.with { bed in
            let client = try await bed.h2c()
            let enable = client.serverSettings.first { $0.parameter == .enableConnectProtocol }
            #expect(enable?.value == 1, "\(client.serverSettings)")

            let stream = try await client.openWebSocket(path: "/ws/chat", authority: ExtendedConnectBed.authority)
            try await Self.awaitGreeting(stream)
            // The route's response headers apply; the HTTP/1.1 handshake's own headers stay behind.
            #expect(stream.header("x-route") == "ws", "\(stream.headers)")
            #expect(stream.header("sec-websocket-accept") == nil && stream.header("upgrade") == nil, "\(stream.headers)")

            try await Self.echo(stream, Array("ping 1".utf8))
            // Larger than the stream's initial flow-control window both ways.
            try await Self.echo(stream, opcode: 2, (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })

            // The server answers a close frame and closes its connection: END_STREAM, not a reset.
            stream.clear()
            try await stream.send(WebSocketWire.clientFrame(opcode: 8, [0x03, 0xe8]))
            try await eventually("END_STREAM after the close frame") { stream.ended }
            #expect(WebSocketWire.serverFrames(stream.received).first?.opcode == 8)
            #expect(stream.resetCode == nil)
            try await stream.send([], endStream: true)
            try await eventually("the stream closes") { stream.isClosed }

            // END_STREAM from the client shuts the upstream connection's sending side; the server
            // closes in turn, which comes back as END_STREAM: a clean end both ways, no reset.
            let halfClosed = try await client.openWebSocket(path: "/ws/half", authority: ExtendedConnectBed.authority)
            try await Self.awaitGreeting(halfClosed)
            try await halfClosed.send([], endStream: true)
            try await eventually("the upstream's close as END_STREAM") { halfClosed.ended }
            try await eventually("the stream closes") { halfClosed.isClosed }
            #expect(halfClosed.resetCode == nil)

            // Logged as the GET it was routed as, over HTTP/2, with the upstream's 101.
            try await eventually("the access log line") {
                bed.accessLog.split(separator: "\n").contains {
                    $0.contains("\"path\":\"/ws/chat\"") && $0.contains("\"protocol\":\"HTTP/2\"") && $0.contains("\"response_code\":101")
                }
            }
            await client.close()
        }
    }

    @Test("TLS with ALPN h2: three WebSocket streams and ordinary requests share one connection")
    func multiplexedOverTLS() async throws {
        try await ExtendedConnectBed.with { bed in
            let client = try await bed.h2()
            #expect(client.serverSettings.contains { $0.parameter == .enableConnectProtocol && $0.value == 1 })
            var streams: [H2TestStream] = []
            for index in 0..<3 {
                streams.append(
                    try await client.openWebSocket(path: "/ws/\(index)", authority: ExtendedConnectBed.authority, scheme: "https"))
            }
            for stream in streams { try await Self.awaitGreeting(stream) }
            let request = try await client.open(
                [(":method", "GET"), (":scheme", "https"), (":path", "/hello"), (":authority", ExtendedConnectBed.authority)],
                endStream: true)
            // Each tunnel carries its own frames, interleaved with each other and with the request.
            for (index, stream) in streams.enumerated() { stream.clear(); try await stream.send(WebSocketWire.clientFrame(Array("to \(index)".utf8))) }
            for (index, stream) in streams.enumerated() {
                try await eventually("the echo on stream \(index)") { WebSocketWire.serverFrames(stream.received).first?.text == "to \(index)" }
            }
            try await eventually("the ordinary request's response") { request.ended }
            #expect(request.status == "200" && String(decoding: request.received, as: UTF8.self) == "http")
            try await Self.echo(streams[1], Array("again".utf8))
            // One tunnel going away leaves the others and the connection alone.
            await streams[0].cancel()
            try await Self.echo(streams[2], Array("still here".utf8))
            let second = try await client.open(
                [(":method", "GET"), (":scheme", "https"), (":path", "/after"), (":authority", ExtendedConnectBed.authority)],
                endStream: true)
            try await eventually("the second request's response") { second.ended }
            #expect(second.status == "200")
            #expect(bed.http.connectionCount >= 1 && bed.http.received.map(\.uri) == ["/hello", "/after"])
            await client.close()
        }
    }

    @Test("refusals keep their status: 403 from the backend or RBAC, 502 for a 200 or a wrong accept, 405 and 400 for other CONNECTs")
    func refusals() async throws {
        try await ExtendedConnectBed.with { bed in
            let client = try await bed.h2c()
            let authority = ExtendedConnectBed.authority
            let refused = try await client.openWebSocket(
                path: "/refused/x?y=1", authority: authority, extra: [("sec-websocket-protocol", "chat, superchat")])
            do {
                try await eventually("the backend's 403") { refused.ended }
            } catch {
                Issue.record("status \(refused.status ?? "none"), reset \(String(describing: refused.resetCode)), backend saw \(bed.refuser.received.map(\.headers))")
                throw error
            }
            #expect(refused.status == "403" && String(decoding: refused.received, as: UTF8.self) == "no\n")
            // The backend saw the HTTP/1.1 handshake the gateway made, with the route's request headers.
            let seen = try #require(bed.refuser.received.last)
            #expect(seen.method == "GET" && seen.uri == "/refused/x?y=1")
            #expect(seen.header("upgrade") == "websocket" && seen.header("connection")?.lowercased() == "upgrade", "\(seen.headers)")
            #expect(seen.header("sec-websocket-version") == "13" && seen.header("sec-websocket-key")?.count == 24, "\(seen.headers)")
            #expect(seen.header("sec-websocket-protocol") == "chat, superchat" && seen.header("x-gateway") == "meshbox")
            #expect(seen.header("host") == authority)

            let plain = try await client.openWebSocket(path: "/plain", authority: authority)
            try await eventually("502 for a 200 without an upgrade") { plain.ended }
            #expect(plain.status == "502", "\(plain.headers)")

            let badAccept = try await client.openWebSocket(path: "/bad-accept", authority: authority)
            try await eventually("502 for a wrong Sec-WebSocket-Accept") { badAccept.ended || badAccept.isClosed }
            #expect(badAccept.status == "502", "\(badAccept.headers)")

            let connect = try await client.open([(":method", "CONNECT"), (":authority", "db.example.com:5432")])
            try await eventually("405 for a plain CONNECT") { connect.ended }
            #expect(connect.status == "405" && String(decoding: connect.received, as: UTF8.self).contains("only WebSocket"))

            let other = try await client.open(
                [(":method", "CONNECT"), (":protocol", "connect-udp"), (":scheme", "http"), (":path", "/"), (":authority", authority)])
            try await eventually("400 for another :protocol") { other.ended }
            #expect(other.status == "400" && String(decoding: other.received, as: UTF8.self).contains("connect-udp"))

            // AuthorizationPolicy judges the GET the stream is routed as.
            let denied = try await client.openWebSocket(path: "/ws/private/room", authority: authority)
            try await eventually("403 from the DENY policy") { denied.ended }
            #expect(denied.status == "403" && String(decoding: denied.received, as: UTF8.self) == "RBAC: access denied")

            // The connection still serves: a tunnel and a request.
            let tunnel = try await client.openWebSocket(path: "/ws", authority: authority)
            try await Self.awaitGreeting(tunnel)
            let request = try await client.open(
                [(":method", "GET"), (":scheme", "http"), (":path", "/ok"), (":authority", authority)], endStream: true)
            try await eventually("the request after the refusals") { request.ended }
            #expect(request.status == "200")
            await client.close()
        }
    }

    @Test("a tunnel idle for the gateway's tcpIdleTimeout is reset; one in use is not")
    func idleTimeout() async throws {
        var settings = ProxySettings()
        settings.tcpIdleTimeout = .milliseconds(1500)
        try await ExtendedConnectBed.with(settings: settings) { bed in
            let client = try await bed.h2c()
            // Before the tunnel exists, so that a slow greeting cannot make the timeout look early.
            let start = ContinuousClock.now
            let idle = try await client.openWebSocket(path: "/ws/idle", authority: ExtendedConnectBed.authority)
            let busy = try await client.openWebSocket(path: "/ws/busy", authority: ExtendedConnectBed.authority)
            try await Self.awaitGreeting(idle)
            try await Self.awaitGreeting(busy)
            // Traffic on `busy` every 300 ms until `idle` is gone.
            while !idle.isClosed && ContinuousClock.now - start < .seconds(15) {
                try await Self.echo(busy, Array("tick".utf8))
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(idle.isClosed && idle.resetCode != nil, "reset \(String(describing: idle.resetCode))")
            #expect(ContinuousClock.now - start >= .milliseconds(1500))
            #expect(!busy.isClosed)
            try await Self.echo(busy, Array("alive".utf8))
            await client.close()
        }
    }
}
