import NIOCore
import NIOHTTP1
import Testing

@testable import MeshNet

/// Valid requests: the events each gives, the same whatever the split of the bytes into reads.
@Suite("HTTP1Parser requests")
struct HTTP1ParserTests {
    typealias Harness = HTTP1ParserHarness

    /// A valid request and the events it gives.
    struct Example: CustomStringConvertible, Sendable {
        var name: String
        var input: String
        var events: [String]
        var upgraded = false
        var description: String { name }
    }

    static let examples: [Example] = [
        Example(
            name: "GET without a body",
            input: "GET /index.html?q=1 HTTP/1.1\r\nHost: a.example\r\nAccept: */*\r\n\r\n",
            events: ["GET /index.html?q=1 HTTP/1.1 | Host: a.example | Accept: */*", "end"]
        ),
        Example(
            name: "Content-Length body",
            input: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
            events: ["POST /upload HTTP/1.1 | Host: a | Content-Length: 11", "body hello world", "end"]
        ),
        Example(
            name: "Content-Length 0 and repeated equal Content-Length",
            input: "PUT /a HTTP/1.1\r\nContent-Length: 0\r\n\r\nPUT /b HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc",
            events: [
                "PUT /a HTTP/1.1 | Content-Length: 0", "end",
                "PUT /b HTTP/1.1 | Content-Length: 3 | content-length: 3", "body abc", "end",
            ]
        ),
        Example(
            name: "chunked with extensions and trailers",
            input: "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ; a=\"quoted; x\"\r\n world\r\nA\r\n0123456789\r\n0;last\r\n"
                + "X-Checksum: abc\r\nX-Other:  2 \r\n\r\n",
            events: [
                "POST /c HTTP/1.1 | Host: a | Transfer-Encoding: Chunked", "body hello world0123456789",
                "end | X-Checksum: abc | X-Other: 2",
            ]
        ),
        Example(
            name: "chunked without trailers",
            input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            events: ["POST / HTTP/1.1 | Transfer-Encoding: chunked", "body abc", "end"]
        ),
        Example(
            name: "pipelined requests in one buffer",
            input: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
                + "POST /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /4 HTTP/1.1\r\n\r\n",
            events: [
                "GET /1 HTTP/1.1 | Host: a", "end",
                "POST /2 HTTP/1.1 | Host: a | Content-Length: 2", "body hi", "end",
                "POST /3 HTTP/1.1 | Transfer-Encoding: chunked", "body x", "end",
                "GET /4 HTTP/1.1", "end",
            ]
        ),
        Example(
            name: "leading empty lines before the request line",
            input: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            events: ["GET / HTTP/1.1 | Host: a", "end"]
        ),
        Example(
            name: "HTTP/1.0 with a Content-Length body",
            input: "POST /old HTTP/1.0\r\nContent-Length: 2\r\n\r\nok",
            events: ["POST /old HTTP/1.0 | Content-Length: 2", "body ok", "end"]
        ),
        Example(
            name: "absolute-form target",
            input: "GET http://a.example:8080/p?x=%20y HTTP/1.1\r\nHost: a.example:8080\r\n\r\n",
            events: ["GET http://a.example:8080/p?x=%20y HTTP/1.1 | Host: a.example:8080", "end"]
        ),
        Example(
            name: "OPTIONS *",
            input: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            events: ["OPTIONS * HTTP/1.1 | Host: a", "end"]
        ),
        Example(
            name: "extension method, name case kept, OWS trimmed, empty and obs-text values",
            input: "PURGE /x HTTP/1.1\r\nx-lower: \t a b \t\r\nX-Empty:\r\nX-Empty-Spaces:   \r\nX-Latin: caf\u{e9}\r\n\r\n",
            events: ["PURGE /x HTTP/1.1 | x-lower: a b | X-Empty:  | X-Empty-Spaces:  | X-Latin: caf\u{e9}", "end"]
        ),
        Example(
            name: "Upgrade request stops after its end",
            input: "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\u{81}\u{05}frame",
            events: ["GET /ws HTTP/1.1 | Host: a | Connection: Upgrade | Upgrade: websocket", "end"],
            upgraded: true
        ),
        Example(
            name: "CONNECT stops after its end",
            input: "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n\u{16}\u{03}\u{01}tls bytes",
            events: ["CONNECT a.example:443 HTTP/1.1 | Host: a.example:443", "end"],
            upgraded: true
        ),
    ]

    @Test("valid requests give their events whatever the split into reads", arguments: examples, Harness.Split.all)
    func validRequest(example: Example, split: Harness.Split) {
        let outcome = Harness.run(example.input, split: split, close: !example.upgraded)
        #expect(outcome.error == nil, "\(outcome.error?.message ?? "")")
        #expect(outcome.events == example.events)
        #expect(outcome.isUpgraded == example.upgraded)
        if !example.upgraded {
            #expect(outcome.leftover.isEmpty)
            #expect(outcome.isIdle)
        }
    }

    @Test("after an upgrade the tunnel's bytes stay in the buffer, whatever the split")
    func upgradeLeavesBytes() {
        for split in Harness.Split.all {
            let outcome = Harness.run("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0\r\n", split: split)
            #expect(outcome.isUpgraded, "\(split)")
            #expect(outcome.leftover == "PRI * HTTP/2.0\r\n", "\(split)")
        }
    }

    @Test("a message without a body ends on the very next call, without more bytes")
    func endWithoutMoreBytes() throws {
        var parser = HTTP1Parser(kind: .request)
        var buffer = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        guard case .requestHead(let head) = try parser.next(&buffer) else {
            Issue.record("expected a head")
            return
        }
        #expect(head.method == .GET && head.uri == "/" && head.version == .http1_1)
        #expect(head.headers["host"] == ["a"])
        #expect(buffer.readableBytes == 0 && !parser.isIdle)
        guard case .end(nil) = try parser.next(&buffer) else {
            Issue.record("expected the end")
            return
        }
        #expect(parser.isIdle)
        #expect(try parser.next(&buffer) == nil)
    }

    @Test("field names come back as sent, common spellings (returned as literals) or not")
    func fieldNamesAsSent() {
        let names = [
            "Host", "host", "HOST", "Hostx", "Date", "Server", "server", "Accept", "accept", "Connection", "connection",
            "CONNECTION", "User-Agent", "user-agent", "Content-Type", "content-type", "Content-TYPE", "Cache-Control",
            "Last-Modified", "Content-Length", "content-length", "Accept-Encoding", "accept-encoding", "Accept-Language",
            "X-Request-Id", "Hos", "Conn",
        ]
        var input = "GET / HTTP/1.1\r\n"
        for (index, name) in names.enumerated() {
            // Several Content-Length fields are allowed only when they agree.
            input += "\(name): \(name.lowercased() == "content-length" ? "0" : "v\(index)")\r\n"
        }
        input += "\r\n"
        let outcome = Harness.run(input, close: true)
        #expect(outcome.error == nil, "\(outcome.error?.message ?? "")")
        let fields = outcome.events.first?.split(separator: " | ").dropFirst().map { String($0.prefix { $0 != ":" }) }
        #expect(fields == names)
    }

    @Test("a body is a slice of the input, not a copy")
    func bodyIsZeroCopy() throws {
        var parser = HTTP1Parser(kind: .request)
        let head = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
        var buffer = ByteBuffer(string: head + "hello")
        let base = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        _ = try parser.next(&buffer)
        guard case .body(let body) = try parser.next(&buffer) else {
            Issue.record("expected a body")
            return
        }
        let bodyBase = body.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(bodyBase == base + UInt(head.utf8.count))
        #expect(String(buffer: body) == "hello")
    }

    @Test("a partial chunk is returned before the rest of it arrives")
    func partialChunk() throws {
        var parser = HTTP1Parser(kind: .request)
        var buffer = ByteBuffer(string: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc")
        _ = try parser.next(&buffer)
        guard case .body(let first) = try parser.next(&buffer) else {
            Issue.record("expected a body")
            return
        }
        #expect(String(buffer: first) == "abc")
        #expect(try parser.next(&buffer) == nil)
        buffer.writeString("defghijklmnop\r\n0\r\n\r\n")
        guard case .body(let rest) = try parser.next(&buffer) else {
            Issue.record("expected the rest")
            return
        }
        #expect(String(buffer: rest) == "defghijklmnop")
        guard case .end(nil) = try parser.next(&buffer) else {
            Issue.record("expected the end")
            return
        }
    }

    @Test("isIdle is true only between messages")
    func idleness() throws {
        var parser = HTTP1Parser(kind: .request)
        var buffer = ByteBuffer()
        #expect(parser.isIdle)
        buffer.writeString("\r\n")
        #expect(try parser.next(&buffer) == nil)
        #expect(parser.isIdle, "an empty line before a request is not part of it")
        buffer.writeString("GE")
        #expect(try parser.next(&buffer) == nil)
        #expect(!parser.isIdle)
        buffer.writeString("T / HTTP/1.1\r\nContent-Length: 1\r\n\r\n")
        _ = try parser.next(&buffer)
        #expect(!parser.isIdle)
        buffer.writeString("x")
        _ = try parser.next(&buffer)
        _ = try parser.next(&buffer)
        #expect(parser.isIdle)
    }
}
