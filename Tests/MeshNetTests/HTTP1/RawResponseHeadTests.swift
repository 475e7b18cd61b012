import NIOCore
import NIOHTTP1
import Testing

@testable import MeshNet

/// Response heads kept as bytes: what the parser notes of their fields, and that the lines a
/// proxy copies are the fields `HopByHopHeaders` would forward from the same head.
@Suite("RawResponseHead")
struct RawResponseHeadTests {
    /// The head of `text` (a whole response head), parsed with raw heads on.
    static func parse(_ text: String) throws -> RawResponseHead {
        var parser = HTTP1Parser(kind: .response)
        parser.rawResponseHeads = true
        var buffer = ByteBuffer(string: text)
        guard case .rawResponseHead(let head) = try parser.next(&buffer) else {
            Issue.record("no raw head for \(text)")
            throw HTTP1ParseError.badRequest("no raw head")
        }
        return head
    }

    static let heads: [String] = [
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Thu, 03 Dec 2026 20:00:00 GMT\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nCONNECTION: Close\r\nKEEP-ALIVE: timeout=5\r\nX-A: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\nX-B:2\r\n\r\n",
        "HTTP/1.1 503 Service Unavailable\r\nProxy-Connection: close\r\nUpgrade: h2c\r\nRetry-After: 3\r\n\r\n",
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nX-Request-Id: abc\r\nX-Forwarded-For: 1.2.3.4\r\nExpect: x\r\n\r\n",
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection:\r\nX-Upgrade: no\r\nUpgraded: no\r\nConnections: 3\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Spaced:   a  b \t\r\nX-Tab:\tv\r\nX-Empty:\r\nX-Blank:   \r\nX-Tight:v\r\nX-Ok: v\r\n\r\n",
    ]

    @Test("the forwarded lines are the fields HopByHopHeaders keeps, in order", arguments: heads)
    func forwardedLines(text: String) throws {
        let head = try Self.parse(text)
        #expect(!head.notes.needsHeaders)
        var forwarded = ByteBuffer()
        head.writeForwardedFields(into: &forwarded)
        // Parsed back as the fields of a head, they are what the general path forwards.
        var parser = HTTP1Parser(kind: .response)
        var again = ByteBuffer(string: "HTTP/1.1 200 OK\r\n")
        again.writeImmutableBuffer(forwarded)
        again.writeString("\r\n")
        guard case .responseHead(let reparsed) = try parser.next(&again) else {
            Issue.record("the forwarded lines do not parse")
            return
        }
        let expected = HopByHopHeaders.forwardedFields(head.head().headers, extraCapacity: 0).fields
        #expect(reparsed.headers.map { "\($0.name): \($0.value)" } == expected.map { "\($0.0): \($0.1)" })
        // Byte for byte what the serializer writes for those fields.
        var general = ByteBuffer()
        HTTP1Serializer.writeFields(HTTPHeaders(expected), into: &general)
        #expect(String(buffer: forwarded) == String(buffer: general))
    }

    @Test("the notes: Connection tokens, hop-by-hop fields, Content-Length")
    func notes() throws {
        let keep = try Self.parse("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
        #expect(keep.notes.keepAlive && !keep.notes.close && keep.notes.hopByHop && keep.notes.contentLength)
        #expect(keep.persists)
        let close = try Self.parse("HTTP/1.1 200 OK\r\nconnection: Keep-Alive , CLOSE\r\n\r\n")
        #expect(close.notes.close && close.notes.keepAlive && !close.persists && !close.notes.contentLength)
        let old = try Self.parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(!old.persists, "HTTP/1.0 persists only with keep-alive")
        let plain = try Self.parse("HTTP/1.1 200 OK\r\nX-Connection: close\r\nContent-Length: 0\r\n\r\n")
        #expect(!plain.notes.hopByHop && !plain.notes.close && plain.persists)
        // Fields whose handling depends on their value go through HTTPHeaders.
        let named = try Self.parse("HTTP/1.1 200 OK\r\nConnection: x-hop\r\nX-Hop: 1\r\n\r\n")
        #expect(named.notes.needsHeaders)
        let te = try Self.parse("HTTP/1.1 200 OK\r\nTE: trailers\r\n\r\n")
        #expect(te.notes.needsHeaders)
    }

    @Test("a head that arrives in two reads comes as strings, with every field")
    func splitHead() throws {
        var parser = HTTP1Parser(kind: .response)
        parser.rawResponseHeads = true
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nServer: a\r\nX-One: 1\r\nX-Tw")
        #expect(try parser.next(&buffer) == nil)
        buffer.writeString("o: 2\r\nContent-Length: 0\r\n\r\n")
        guard case .responseHead(let head) = try parser.next(&buffer) else {
            Issue.record("expected a head built of strings")
            return
        }
        #expect(head.headers.map { "\($0.name): \($0.value)" } == ["Server: a", "X-One: 1", "X-Two: 2", "Content-Length: 0"])
    }

    @Test("the field limit counts the fields of a head kept as bytes")
    func fieldLimit() {
        var parser = HTTP1Parser(kind: .response, limits: HTTP1ParserLimits(maxHeaderCount: 2))
        parser.rawResponseHeads = true
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
        #expect(throws: HTTP1ParseError.tooManyFields) { try parser.next(&buffer) }
    }
}
