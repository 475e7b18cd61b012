@testable import MeshNet
import NIOHPACK
import Testing

/// The decision on a stream's first HEADERS, without I/O.
@Suite("Extended CONNECT classification")
struct ExtendedConnectRequestTests {
    static let sampleKey = WebSocketHandshakeKey(key: "dGhlIHNhbXBsZSBub25jZQ==")

    @Test("RFC 6455's sample key gives its sample accept value; fresh keys are 16 random bytes")
    func acceptValue() {
        #expect(Self.sampleKey.expectedAccept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let fresh = WebSocketHandshakeKey.fresh()
        #expect(fresh.key.count == 24 && fresh != WebSocketHandshakeKey.fresh())
    }

    @Test("a WebSocket CONNECT becomes a GET handshake with a fresh key, keeping path, authority and subprotocols")
    func webSocket() throws {
        let headers = HPACKHeaders([
            (":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https"), (":path", "/chat?room=1"),
            (":authority", "app.example.com"), ("sec-websocket-version", "13"), ("sec-websocket-key", "client-sent"),
            ("sec-websocket-protocol", "chat"), ("sec-websocket-extensions", "permessage-deflate"),
        ])
        guard case .webSocket(let rewritten, let key) = ExtendedConnectRequest.classify(headers, key: { Self.sampleKey }) else {
            Issue.record("not classified as a WebSocket")
            return
        }
        #expect(key == Self.sampleKey)
        #expect(rewritten[":method"] == ["GET"] && rewritten[":protocol"].isEmpty)
        #expect(rewritten[":path"] == ["/chat?room=1"] && rewritten[":authority"] == ["app.example.com"] && rewritten[":scheme"] == ["https"])
        #expect(rewritten["upgrade"] == ["websocket"] && rewritten["connection"] == ["upgrade"])
        #expect(rewritten["sec-websocket-key"] == [Self.sampleKey.key] && rewritten["sec-websocket-version"] == ["13"])
        #expect(rewritten["sec-websocket-protocol"] == ["chat"] && rewritten["sec-websocket-extensions"] == ["permessage-deflate"])
    }

    @Test("ordinary requests pass; a CONNECT without :protocol is 405, another protocol 400", arguments: [
        ([(":method", "GET"), (":path", "/")], 0),
        ([(":method", "POST"), (":path", "/connect")], 0),
        ([(":method", "CONNECT"), (":authority", "db:5432")], 405),
        ([(":method", "CONNECT"), (":protocol", "connect-udp"), (":path", "/")], 400),
        ([(":method", "CONNECT"), (":protocol", "WebSocket"), (":path", "/")], -1),
    ])
    func others(headers: [(String, String)], expected: Int) {
        switch ExtendedConnectRequest.classify(HPACKHeaders(headers), key: { Self.sampleKey }) {
        case .ordinary: #expect(expected == 0)
        case .refused(let status, _): #expect(status == expected)
        case .webSocket: #expect(expected == -1)
        }
    }
}
