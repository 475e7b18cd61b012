import NIOCore
import NIOHTTP1
import Testing

@testable import MeshNet

/// Leniencies other parsers allow, each refused; the limits; a message cut short by the close.
@Suite("HTTP1Parser strictness and limits")
struct HTTP1ParserStrictnessTests {
    typealias Harness = HTTP1ParserHarness

    struct Malformed: CustomStringConvertible, Sendable {
        var name: String
        var input: String
        var kind: HTTP1Parser.Kind = .request
        var status: UInt = 400
        var description: String { name }
    }

    static let ok = "GET / HTTP/1.1\r\n"

    static let malformed: [Malformed] = [
        Malformed(name: "bare LF after the request line", input: "GET / HTTP/1.1\nHost: a\r\n\r\n"),
        Malformed(name: "bare LF after a field", input: ok + "Host: a\n\r\n"),
        Malformed(name: "bare LF as the blank line", input: ok + "Host: a\r\n\n"),
        Malformed(name: "bare CR in the request line", input: "GET /\r HTTP/1.1\r\n\r\n"),
        Malformed(name: "bare CR ending a field", input: ok + "Host: a\rX: b\r\n\r\n"),
        Malformed(name: "CR CR LF", input: ok + "Host: a\r\r\n\r\n"),
        Malformed(name: "two spaces after the method", input: "GET  / HTTP/1.1\r\n\r\n"),
        Malformed(name: "tab as a separator", input: "GET\t/ HTTP/1.1\r\n\r\n"),
        Malformed(name: "trailing space after the version", input: "GET / HTTP/1.1 \r\n\r\n"),
        Malformed(name: "lowercase version", input: "GET / http/1.1\r\n\r\n"),
        Malformed(name: "two-digit minor version", input: "GET / HTTP/1.10\r\n\r\n"),
        Malformed(name: "missing version", input: "GET /\r\n\r\n"),
        Malformed(name: "empty method", input: " / HTTP/1.1\r\n\r\n"),
        Malformed(name: "byte ≥ 0x80 in the target", input: "GET /caf\u{e9} HTTP/1.1\r\n\r\n"),
        Malformed(name: "DEL in a field value", input: ok + "X: a\u{7f}\r\n\r\n"),
        Malformed(name: "control byte in a field value", input: ok + "X: a\u{1}\r\n\r\n"),
        Malformed(name: "tab before the colon", input: ok + "Host\t: a\r\n\r\n"),
        Malformed(name: "empty field name", input: ok + ": a\r\n\r\n"),
        Malformed(name: "non-token byte in a field name", input: ok + "X(y): a\r\n\r\n"),
        Malformed(name: "tab-folded continuation", input: ok + "X: a\r\n\tb\r\n\r\n"),
        Malformed(name: "too many empty lines before the request", input: String(repeating: "\r\n", count: 5) + ok + "\r\n"),
        Malformed(name: "Content-Length with a sign", input: ok + "Content-Length: +5\r\n\r\n"),
        Malformed(name: "Content-Length with a space inside", input: ok + "Content-Length: 1 2\r\n\r\n"),
        Malformed(name: "empty Content-Length", input: ok + "Content-Length:\r\n\r\n"),
        Malformed(name: "Content-Length of 19 digits", input: ok + "Content-Length: 1000000000000000000\r\n\r\n"),
        Malformed(name: "Content-Length as hex", input: ok + "Content-Length: 0x10\r\n\r\n"),
        Malformed(name: "Transfer-Encoding: chunked with a parameter", input: ok + "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n"),
        Malformed(name: "Transfer-Encoding: identity", input: ok + "Transfer-Encoding: identity\r\n\r\n"),
        Malformed(name: "chunk data longer than its size", input: ok + "Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"),
        Malformed(name: "chunk data followed by LF only", input: ok + "Transfer-Encoding: chunked\r\n\r\n2\r\nab\n0\r\n\r\n"),
        Malformed(name: "chunk size with a trailing space and no extension", input: ok + "Transfer-Encoding: chunked\r\n\r\n2 \r\nab\r\n0\r\n\r\n"),
        Malformed(name: "chunk size with a sign", input: ok + "Transfer-Encoding: chunked\r\n\r\n+2\r\nab\r\n0\r\n\r\n"),
        Malformed(name: "chunk size line ending in LF only", input: ok + "Transfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n"),
        Malformed(name: "control byte in a chunk extension", input: ok + "Transfer-Encoding: chunked\r\n\r\n2;a=\u{0}\r\nab\r\n0\r\n\r\n"),
        Malformed(name: "chunk extension longer than 4 KiB", input: ok + "Transfer-Encoding: chunked\r\n\r\n2;" + String(repeating: "x", count: 5000)),
        Malformed(name: "chunk size of 17 hex digits", input: ok + "Transfer-Encoding: chunked\r\n\r\n00000000000000001\r\nx\r\n0\r\n\r\n"),
        Malformed(name: "chunk size beyond Int.max", input: ok + "Transfer-Encoding: chunked\r\n\r\n8000000000000000\r\n"),
        Malformed(name: "obs-fold in a trailer", input: ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n"),
        Malformed(name: "status code of two digits", input: "HTTP/1.1 20 OK\r\n\r\n", kind: .response),
        Malformed(name: "status code of four digits", input: "HTTP/1.1 2000 OK\r\n\r\n", kind: .response),
        Malformed(name: "status code below 100", input: "HTTP/1.1 099 Odd\r\n\r\n", kind: .response),
        Malformed(name: "no space before the reason", input: "HTTP/1.1 200OK\r\n\r\n", kind: .response),
        Malformed(name: "control byte in the reason", input: "HTTP/1.1 200 O\u{1}K\r\n\r\n", kind: .response),
        Malformed(name: "empty line before a status line", input: "\r\nHTTP/1.1 200 OK\r\n\r\n", kind: .response),
        Malformed(name: "response with Transfer-Encoding and Content-Length", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", kind: .response),
        Malformed(name: "response with conflicting Content-Length", input: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", kind: .response),
        Malformed(name: "HTTP/1.0 response with Transfer-Encoding", input: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", kind: .response),
        Malformed(name: "bare LF in a status line", input: "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", kind: .response),
    ]

    @Test("each leniency is refused whatever the split into reads", arguments: malformed, [Harness.Split.whole, .byteByByte, .random(seed: 3, max: 5)])
    func refused(example: Malformed, split: Harness.Split) {
        let outcome = Harness.run(example.input, kind: example.kind, split: split)
        #expect(outcome.error?.status.code == example.status, "events \(outcome.events), error \(String(describing: outcome.error))")
    }

    @Test("a parser that threw keeps throwing")
    func unusableAfterThrow() {
        var parser = HTTP1Parser(kind: .request)
        var buffer = ByteBuffer(string: "GET / HTTP/1.1\nHost: a\r\n\r\n")
        #expect(throws: HTTP1ParseError.self) { try parser.next(&buffer) }
        buffer = ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n")
        #expect(throws: HTTP1ParseError.self) { try parser.next(&buffer) }
        #expect(throws: HTTP1ParseError.self) { try parser.inputClosed() }
    }

    @Test("a head larger than the limit gets 431 before its end arrives")
    func headTooLarge() {
        let limits = HTTP1ParserLimits(maxHeadBytes: 1024)
        let partial = "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "b", count: 1100)
        for split in [Harness.Split.whole, .byteByByte] {
            let outcome = Harness.run(partial, split: split, limits: limits)
            #expect(outcome.error == .headTooLarge, "\(split)")
        }
        let manyLines = "GET / HTTP/1.1\r\n" + String(repeating: "X: 1234567890\r\n", count: 80)
        #expect(Harness.run(manyLines, limits: limits).error == .headTooLarge)
        #expect(Harness.run(manyLines, limits: limits).error?.status == .requestHeaderFieldsTooLarge)
    }

    @Test("a head of exactly the limit passes, one byte more gets 431")
    func headLimitBoundary() {
        let head = "GET / HTTP/1.1\r\nX: abc\r\n\r\n"
        let exact = HTTP1ParserLimits(maxHeadBytes: head.utf8.count)
        #expect(Harness.run(head, limits: exact).events == ["GET / HTTP/1.1 | X: abc", "end"])
        #expect(Harness.run(head, split: .byteByByte, limits: exact).events == ["GET / HTTP/1.1 | X: abc", "end"])
        let under = HTTP1ParserLimits(maxHeadBytes: head.utf8.count - 1)
        #expect(Harness.run(head, limits: under).error == .headTooLarge)
        #expect(Harness.run(head, split: .byteByByte, limits: under).error == .headTooLarge)
        // Empty lines before the request line do not count.
        #expect(Harness.run("\r\n" + head, limits: exact).error == nil)
    }

    @Test("more header fields than the limit get 431, in a head and in trailers")
    func tooManyFields() {
        let limits = HTTP1ParserLimits(maxHeaderCount: 3)
        let three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        #expect(Harness.run(three, limits: limits).error == nil)
        let four = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
        #expect(Harness.run(four, limits: limits).error == .tooManyFields)
        let trailers = "POST / HTTP/1.1\r\nA: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT1: 1\r\nT2: 2\r\nT3: 3\r\n"
        #expect(Harness.run(trailers + "\r\n", limits: limits).events.last == "end | T1: 1 | T2: 2 | T3: 3")
        #expect(Harness.run(trailers + "T4: 4\r\n\r\n", limits: limits).error == .tooManyFields)
    }

    @Test("a chunk of the largest size is accepted and streamed")
    func largestChunk() {
        let outcome = Harness.run("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff;x\r\nabc")
        #expect(outcome.error == nil)
        #expect(outcome.events.last == "body abc")
    }

    @Test("the close cuts a message short: throws mid-message, nil between messages")
    func inputClosed() {
        let cutShort = [
            "GET / HT",
            "GET / HTTP/1.1\r\nHost: a\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
        ]
        for input in cutShort {
            #expect(Harness.run(input, close: true).error?.status == .badRequest, "\(input.debugDescription)")
        }
        let complete = Harness.run("GET / HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", close: true)
        #expect(complete.error == nil && complete.events.count == 5)
        #expect(Harness.run("", close: true).error == nil)
        #expect(Harness.run("\r\n", close: true).error == nil)
        let response = Harness.run("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", kind: .response, close: true)
        #expect(response.error?.status == .badRequest)
        #expect(response.events == ["HTTP/1.1 200 OK | Content-Length: 9", "body short"])
    }
}
