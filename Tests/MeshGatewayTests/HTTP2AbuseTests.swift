import MeshNet
import MeshTesting
import NIOCore
import Testing

/// Hostile HTTP/2 clients through the real gateway (h2c with prior knowledge on a plain listener),
/// with frames written by hand: each attack is bounded — the abusive connection is ended with a
/// GOAWAY (or its stream reset) instead of costing unbounded work or memory — and a well-behaved
/// client on another connection is served right after. The limits are swift-nio-http2's, as the
/// downstream configures them (HTTP2Downstream), plus the gateway's own stream idle timeout.
@Suite("HTTP/2 abuse through the gateway")
struct HTTP2AbuseTests {
    static let routes = GatewayRoutingTests.virtualService(
        """
          - route: [{destination: {host: app}}]
        """)

    /// Error codes of RFC 9113 section 7.
    static let frameSizeError: UInt32 = 0x6
    static let compressionError: UInt32 = 0x9
    static let enhanceYourCalm: UInt32 = 0xb

    struct Attack {
        let harness: GatewayHarness
        let backend: TestBackend
        let connection: ByteConnection

        var frames: [HTTP2Wire.Frame] { HTTP2Wire.frames(in: connection.received) }
        var goAway: HTTP2Wire.Frame? { frames.first { $0.type == HTTP2Wire.FrameType.goAway.rawValue } }

        /// The server ended the connection: a GOAWAY arrived, or the socket closed.
        func waitForEnd(_ what: String) async throws {
            try await eventually(what, timeout: .seconds(20)) { goAway != nil || connection.isClosed }
        }

        /// A client that plays by the rules, on a connection of its own, is answered.
        func expectOthersServed() async throws {
            let response = try await ProxyClient.request(
                port: harness.port, "GET", "/after", host: harness.host, group: harness.group)
            #expect(response.status == 200, "\(response)")
        }

        func finish() async {
            await connection.close()
            await harness.shutdown([backend])
        }
    }

    static func attack(settings: ProxySettings = ProxySettings(), behaviour: TestBackend.Behaviour = .ok,
                       opening: [UInt8] = HTTP2Wire.opening()) async throws -> Attack {
        let harness = try await GatewayHarness(settings: settings)
        let backend = try await TestBackend.start(name: "v1", behaviour: behaviour, group: harness.group)
        let report = try await harness.apply(routes, backends: [backend])
        #expect(report.failed.isEmpty, "\(report)")
        let connection = try await ByteConnection.connect(port: harness.port, group: harness.group)
        try await connection.send(opening + HTTP2Wire.settingsAck)
        return Attack(harness: harness, backend: backend, connection: connection)
    }

    func block(_ path: String) -> [UInt8] { HTTP2Wire.getBlock(path: path, authority: "app.example.com") }

    @Test("a well-formed request over hand-written frames is served (the wire helper is right)")
    func baseline() async throws {
        let attack = try await Self.attack()
        try await attack.connection.send(HTTP2Wire.headers(stream: 1, block: block("/ok")))
        try await eventually("the response's HEADERS on stream 1") {
            attack.frames.contains { $0.type == HTTP2Wire.FrameType.headers.rawValue && $0.stream == 1 }
        }
        #expect(attack.backend.received.map(\.uri) == ["/ok"])
        await attack.finish()
    }

    @Test("a request body without content-length, as HTTP/2 allows (gRPC, streamed uploads), reaches the backend")
    func bodyWithoutLength() async throws {
        let attack = try await Self.attack(behaviour: .echo)
        let post = [0x83, 0x86]  // :method POST, :scheme http
            + HTTP2Wire.integer(4, prefixBits: 4, pattern: 0) + HTTP2Wire.string("/upload")
            + HTTP2Wire.integer(1, prefixBits: 4, pattern: 0) + HTTP2Wire.string("app.example.com")
        try await attack.connection.send(
            HTTP2Wire.headers(stream: 1, block: post, endStream: false)
                + HTTP2Wire.frame(.data, flags: HTTP2Wire.endStream, stream: 1, Array("streamed".utf8)))
        try await eventually("the response's HEADERS on stream 1") {
            attack.frames.contains { $0.type == HTTP2Wire.FrameType.headers.rawValue && $0.stream == 1 }
        }
        let head = try #require(attack.frames.first { $0.type == HTTP2Wire.FrameType.headers.rawValue && $0.stream == 1 })
        #expect(head.payload.first == 0x88, "not :status 200 (static index 8): \(head.payload.prefix(8))")
        #expect(attack.backend.received.map { String(decoding: $0.body, as: UTF8.self) } == ["streamed"])
        await attack.finish()
    }

    @Test("rapid reset (CVE-2023-44487): a thousand streams opened and reset get a GOAWAY, not a thousand requests")
    func rapidReset() async throws {
        let attack = try await Self.attack()
        var burst: [UInt8] = []
        for index in 0..<1000 {
            let stream = UInt32(2 * index + 1)
            burst += HTTP2Wire.headers(stream: stream, block: block("/reset")) + HTTP2Wire.rstStream(stream: stream)
        }
        try await attack.connection.send(burst)
        try await attack.waitForEnd("the end of the resetting connection")
        #expect(attack.goAway?.goAwayCode == Self.enhanceYourCalm, "\(attack.frames.map(\.type))")
        #expect(attack.backend.requestCount < 1000, "\(attack.backend.requestCount) requests reached the backend")
        try await attack.expectOthersServed()
        await attack.finish()
    }

    @Test("CONTINUATION flood (CVE-2024-27316): an endless header block is cut off, nothing reaches the backend")
    func continuationFlood() async throws {
        let attack = try await Self.attack()
        // A header whose value claims 1 MiB, then CONTINUATION frames that never end the block.
        let start = block("/flood") + [0x00] + HTTP2Wire.string("x-flood")
            + HTTP2Wire.integer(1 << 20, prefixBits: 7, pattern: 0)
        var flood = HTTP2Wire.headers(stream: 1, block: start, endStream: true, endHeaders: false)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1024)
        for _ in 0..<1000 { flood += HTTP2Wire.frame(.continuation, stream: 1, chunk) }
        try await attack.connection.send(flood)
        try await attack.waitForEnd("the end of the flooding connection")
        #expect(attack.goAway?.goAwayCode == Self.enhanceYourCalm, "\(attack.frames.map(\.type))")
        #expect(attack.backend.requestCount == 0)
        try await attack.expectOthersServed()
        await attack.finish()
    }

    @Test("HPACK bomb: 6 KB that decode to 8 MB of headers are refused, nothing reaches the backend")
    func hpackBomb() async throws {
        let attack = try await Self.attack()
        let value = String(repeating: "b", count: 4000)
        // One 4 KB entry in the decoder's dynamic table (index 62), then 2,000 one-byte references.
        let bomb = block("/bomb") + HTTP2Wire.indexedLiteral(name: "x-bomb", value: value)
            + [UInt8](repeating: 0x80 | 62, count: 2000)
        try await attack.connection.send(HTTP2Wire.headers(stream: 1, block: bomb))
        // The decoder stops at the header list limit (maxRequestHeaderBytes) and the connection ends:
        // its HPACK state is unusable once a block was abandoned.
        try await attack.waitForEnd("the end of the bomb's connection")
        #expect(attack.goAway?.goAwayCode == Self.compressionError, "\(attack.frames.map(\.type))")
        #expect(attack.backend.requestCount == 0)
        try await attack.expectOthersServed()
        await attack.finish()
    }

    @Test("PING and SETTINGS floods are cut off with ENHANCE_YOUR_CALM", arguments: ["ping", "settings"])
    func controlFrameFlood(kind: String) async throws {
        let attack = try await Self.attack()
        var flood: [UInt8] = []
        for index in 0..<5000 {
            flood += kind == "ping"
                ? HTTP2Wire.frame(.ping, HTTP2Wire.bigEndian(0) + HTTP2Wire.bigEndian(UInt32(index)))
                : HTTP2Wire.frame(.settings, [0x00, 0x03] + HTTP2Wire.bigEndian(100))
        }
        try await attack.connection.send(flood)
        try await attack.waitForEnd("the end of the \(kind) flood")
        #expect(attack.goAway?.goAwayCode == Self.enhanceYourCalm, "\(attack.frames.map(\.type))")
        try await attack.expectOthersServed()
        await attack.finish()
    }

    @Test("a frame longer than SETTINGS_MAX_FRAME_SIZE ends the connection with FRAME_SIZE_ERROR")
    func oversizedFrame() async throws {
        let attack = try await Self.attack()
        try await attack.connection.send(
            HTTP2Wire.headers(stream: 1, block: block("/big"), endStream: false)
                + HTTP2Wire.frame(rawType: HTTP2Wire.FrameType.data.rawValue, flags: 0, stream: 1, length: 1 << 20)
                + [UInt8](repeating: 0, count: 32 * 1024))
        try await attack.waitForEnd("the end of the connection that sent a 1 MiB frame")
        #expect(attack.goAway?.goAwayCode == Self.frameSizeError, "\(attack.frames.map(\.type))")
        try await attack.expectOthersServed()
        await attack.finish()
    }

    @Test("a zero flow-control window stalls one stream only until the stream idle timeout ends it")
    func zeroWindowStall() async throws {
        var settings = ProxySettings()
        settings.streamIdleTimeout = .milliseconds(500)
        // SETTINGS_INITIAL_WINDOW_SIZE 0: the server may send no DATA until a WINDOW_UPDATE, which never comes.
        let attack = try await Self.attack(
            settings: settings, behaviour: .size(1 << 20), opening: HTTP2Wire.opening(settings: [(0x4, 0)]))
        try await attack.connection.send(HTTP2Wire.headers(stream: 1, block: block("/stall")))
        try await eventually("stream 1 reset or its connection ended", timeout: .seconds(20)) {
            attack.connection.isClosed || attack.goAway != nil
                || attack.frames.contains { $0.type == HTTP2Wire.FrameType.rstStream.rawValue && $0.stream == 1 }
        }
        #expect(attack.backend.requestCount == 1)
        try await attack.expectOthersServed()
        await attack.finish()
    }
}
