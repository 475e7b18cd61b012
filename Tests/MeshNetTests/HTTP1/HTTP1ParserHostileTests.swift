import NIOCore
import NIOHTTP1
import Testing

@testable import MeshNet

/// The gateway's hostile-request corpus (Tests/MeshGatewayTests/HostileRequestTests.swift) at the
/// parser: every syntax or framing problem throws, whatever the split of the bytes into reads; the
/// well-formed requests a proxy must still refuse parse, and `RequestScreen` answers them.
@Suite("HTTP1Parser hostile corpus")
struct HTTP1ParserHostileTests {
    typealias Harness = HTTP1ParserHarness

    /// What the parser does with a corpus entry.
    enum Verdict: Sendable {
        /// Throws with this status.
        case refused(UInt)
        /// Parses into a head and an end; refused later by `RequestScreen` or the codec.
        case parsedForScreen
    }

    struct Entry: CustomStringConvertible, Sendable {
        var name: String
        var request: String
        var verdict: Verdict
        var description: String { name }
    }

    static let host = "Host: app.example.com\r\n"

    /// The corpus of HostileRequestTests, entry by entry, with the parser's verdict.
    static let corpus: [Entry] = [
        Entry(name: "Content-Length with Transfer-Encoding", request: "POST / HTTP/1.1\r\n\(host)Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", verdict: .refused(400)),
        Entry(name: "Transfer-Encoding before Content-Length", request: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", verdict: .refused(400)),
        Entry(name: "chunked, identity", request: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", verdict: .refused(400)),
        Entry(name: "xchunked", request: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", verdict: .refused(400)),
        Entry(name: "Transfer-Encoding twice", request: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", verdict: .refused(400)),
        Entry(name: "space before colon", request: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", verdict: .refused(400)),
        Entry(name: "conflicting Content-Length", request: "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", verdict: .refused(400)),
        Entry(name: "Content-Length list", request: "POST / HTTP/1.1\r\n\(host)Content-Length: 5, 6\r\n\r\nhello!", verdict: .refused(400)),
        Entry(name: "negative Content-Length", request: "POST / HTTP/1.1\r\n\(host)Content-Length: -1\r\n\r\n", verdict: .refused(400)),
        Entry(name: "non-numeric Content-Length", request: "POST / HTTP/1.1\r\n\(host)Content-Length: abc\r\n\r\n", verdict: .refused(400)),
        Entry(name: "Content-Length in exponent form", request: "POST / HTTP/1.1\r\n\(host)Content-Length: 1e3\r\n\r\n", verdict: .refused(400)),
        Entry(name: "invalid chunk size", request: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", verdict: .refused(400)),
        Entry(name: "overflowing chunk size", request: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nx\r\n0\r\n\r\n", verdict: .refused(400)),
        Entry(name: "chunked on HTTP/1.0", request: "POST / HTTP/1.0\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", verdict: .refused(400)),
        // Host presence, count and syntax are RequestScreen's: the field syntax is valid.
        Entry(name: "missing Host", request: "GET / HTTP/1.1\r\n\r\n", verdict: .parsedForScreen),
        Entry(name: "two Host headers", request: "GET / HTTP/1.1\r\n\(host)Host: other.example.com\r\n\r\n", verdict: .parsedForScreen),
        Entry(name: "Host with a space", request: "GET / HTTP/1.1\r\nHost: app example.com\r\n\r\n", verdict: .parsedForScreen),
        Entry(name: "Host with a slash", request: "GET / HTTP/1.1\r\nHost: app.example.com/evil\r\n\r\n", verdict: .parsedForScreen),
        Entry(name: "Host with an at sign", request: "GET / HTTP/1.1\r\nHost: user@app.example.com\r\n\r\n", verdict: .parsedForScreen),
        Entry(name: "invalid method characters", request: "G@T / HTTP/1.1\r\n\(host)\r\n", verdict: .refused(400)),
        // Any HTTP/d.d parses; RequestScreen answers 505 for versions other than 1.x.
        Entry(name: "HTTP/2.0 in an HTTP/1 request line", request: "GET / HTTP/2.0\r\n\(host)\r\n", verdict: .parsedForScreen),
        Entry(name: "unknown HTTP version", request: "GET / HTTP/9.9\r\n\(host)\r\n", verdict: .parsedForScreen),
        Entry(name: "header name with a space", request: "GET / HTTP/1.1\r\n\(host)Bad Header: x\r\n\r\n", verdict: .refused(400)),
        Entry(name: "header line without a colon", request: "GET / HTTP/1.1\r\n\(host)NoColonHere\r\n\r\n", verdict: .refused(400)),
        Entry(name: "NUL in a header value", request: "GET / HTTP/1.1\r\n\(host)X-Test: a\u{0}b\r\n\r\n", verdict: .refused(400)),
        Entry(name: "CR inside a header value", request: "GET / HTTP/1.1\r\n\(host)X-Test: a\rb\r\n\r\n", verdict: .refused(400)),
        Entry(name: "obsolete line folding", request: "GET / HTTP/1.1\r\n\(host)X-Test: a\r\n b\r\n\r\n", verdict: .refused(400)),
        // The target's form (origin, absolute, authority, asterisk) per method is RequestScreen's.
        Entry(name: "request target without a slash", request: "GET foo HTTP/1.1\r\n\(host)\r\n", verdict: .parsedForScreen),
        // 20 KB is within the head limit; RequestScreen limits the target's length (414).
        Entry(name: "request target too long", request: "GET /\(String(repeating: "a", count: 20_000)) HTTP/1.1\r\n\(host)\r\n", verdict: .parsedForScreen),
        Entry(name: "header block too large", request: "GET / HTTP/1.1\r\n\(host)X-Big: \(String(repeating: "b", count: 70_000))\r\n\r\n", verdict: .refused(431)),
        Entry(name: "too many header fields", request: "GET / HTTP/1.1\r\n\(host)" + (0..<150).map { "X-H\($0): v\r\n" }.joined() + "\r\n", verdict: .refused(431)),
        // CONNECT parses and stops the parser (isUpgraded); the gateway refuses it.
        Entry(name: "CONNECT tunnel", request: "CONNECT app.example.com:443 HTTP/1.1\r\n\(host)\r\n", verdict: .parsedForScreen),
        // What follows a CONNECT head is the tunnel's; framing fields on it would make two readers
        // disagree about where the tunnel starts (found by the http1-request fuzz target).
        Entry(name: "CONNECT with a Content-Length", request: "CONNECT app.example.com:443 HTTP/1.1\r\n\(host)Content-Length: 5\r\n\r\nhello", verdict: .refused(400)),
        Entry(name: "CONNECT chunked", request: "CONNECT app.example.com:443 HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", verdict: .refused(400)),
        // A well-framed body; RequestScreen refuses TRACE with one.
        Entry(name: "TRACE with a body", request: "TRACE / HTTP/1.1\r\n\(host)Content-Length: 5\r\n\r\nhello", verdict: .parsedForScreen),
        Entry(name: "space-prefixed first header", request: "GET / HTTP/1.1\r\n Host: app.example.com\r\n\r\n", verdict: .refused(400)),
        Entry(name: "control character in the path", request: "GET /a\u{7f}b HTTP/1.1\r\n\(host)\r\n", verdict: .refused(400)),
        // Expectations are the codec's (417).
        Entry(name: "unsupported expectation", request: "POST / HTTP/1.1\r\n\(host)Content-Length: 1\r\nExpect: 200-ok\r\n\r\nx", verdict: .parsedForScreen),
        Entry(name: "binary garbage", request: String(decoding: (0..<64).map { UInt8(($0 * 37 + 11) % 256) }, as: UTF8.self), verdict: .refused(400)),
    ]

    @Test("the gateway's hostile corpus: framing and syntax problems throw, the rest parse for RequestScreen")
    func corpusSize() {
        #expect(Self.corpus.count == 39, "one verdict per HostileRequestTests entry")
    }

    @Test("each hostile request gets its verdict whatever the split into reads", arguments: corpus, [Harness.Split.whole, .byteByByte, .random(seed: 9, max: 13)])
    func verdict(entry: Entry, split: Harness.Split) {
        let outcome = Harness.run(entry.request, split: split)
        switch entry.verdict {
        case .refused(let status):
            #expect(outcome.error?.status.code == status, "got \(outcome.events.prefix(3)), error \(String(describing: outcome.error))")
        case .parsedForScreen:
            #expect(outcome.error == nil, "\(outcome.error?.message ?? "")")
            #expect(outcome.events.count >= 2 && outcome.events.last == "end", "\(outcome.events.prefix(3))")
            #expect(outcome.leftover.isEmpty)
        }
    }

    @Test("binary garbage is refused from its first byte, before any line ends")
    func garbageRefusedEarly() {
        #expect(Harness.run([0x16, 0x03, 0x01]).error?.status == .badRequest)
        #expect(Harness.run("HTTX", kind: .response).error?.status == .badRequest)
        #expect(Harness.run("HTTP", kind: .response).error == nil)
    }
}
