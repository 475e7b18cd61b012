import NIOCore
import NIOHTTP1
import Testing

@testable import MeshNet

/// Valid responses: framing by status, HEAD, Content-Length, chunked or the close; interim and
/// upgrade heads; the same events whatever the split of the bytes into reads.
@Suite("HTTP1Parser responses")
struct HTTP1ParserResponseTests {
    typealias Harness = HTTP1ParserHarness

    /// A valid response stream and the events it gives.
    struct Example: CustomStringConvertible, Sendable {
        var name: String
        var input: String
        var events: [String]
        var answersHEAD = false
        /// The peer closes after the input (ends a body delimited by the close).
        var close = true
        var upgraded = false
        var description: String { name }
    }

    static let examples: [Example] = [
        Example(
            name: "Content-Length",
            input: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
            events: ["HTTP/1.1 200 OK | Content-Length: 5 | Content-Type: text/plain", "body hello", "end"]
        ),
        Example(
            name: "chunked with a trailer",
            input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5\r\npedia\r\n0\r\nGrpc-Status: 0\r\n\r\n",
            events: ["HTTP/1.1 200 OK | Transfer-Encoding: chunked", "body wikipedia", "end | Grpc-Status: 0"]
        ),
        Example(
            name: "chunked as the last of several codings",
            input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n",
            events: ["HTTP/1.1 200 OK | Transfer-Encoding: gzip, chunked", "body zz", "end"]
        ),
        Example(
            name: "body until the close",
            input: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this\r\nuntil the end",
            events: ["HTTP/1.1 200 OK | Content-Type: text/plain", "body all of this\r\nuntil the end", "end"]
        ),
        Example(
            name: "Transfer-Encoding without chunked last reads until the close",
            input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
            events: ["HTTP/1.1 200 OK | Transfer-Encoding: chunked, gzip", "body 0\r\n\r\n", "end"]
        ),
        Example(
            name: "an answer to HEAD has no body whatever its Content-Length",
            input: "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
            events: ["HTTP/1.1 200 OK | Content-Length: 1234", "end"],
            answersHEAD: true
        ),
        Example(
            name: "an answer to HEAD has no body whatever its Transfer-Encoding",
            input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
            events: ["HTTP/1.1 200 OK | Transfer-Encoding: chunked", "end", "HTTP/1.1 200 OK", "end"],
            answersHEAD: true
        ),
        Example(
            name: "204 and 304 have no body",
            input: "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            events: [
                "HTTP/1.1 204 No Content | Content-Length: 10", "end",
                "HTTP/1.1 304 Not Modified | Content-Length: 10", "end",
                "HTTP/1.1 200 OK | Content-Length: 2", "body ok", "end",
            ]
        ),
        Example(
            name: "100-continue, 103 then the final 200",
            input: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            events: [
                "HTTP/1.1 100 Continue", "HTTP/1.1 103 Early Hints | Link: </s.css>; rel=preload",
                "HTTP/1.1 200 OK | Content-Length: 2", "body ok", "end",
            ]
        ),
        Example(
            name: "101 ends and stops the parser, leaving the tunnel's bytes",
            input: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nHTTP/1.1 200 not a response",
            events: ["HTTP/1.1 101 Switching Protocols | Upgrade: websocket | Connection: Upgrade", "end"],
            close: false,
            upgraded: true
        ),
        Example(
            name: "an empty or missing reason phrase, an unknown code with its own phrase",
            input: "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\nHTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"
                + "HTTP/1.1 299 Fine\tThanks \u{e9}\r\nContent-Length: 0\r\n\r\nHTTP/1.0 599\r\nContent-Length: 0\r\n\r\n",
            events: [
                "HTTP/1.1 200 OK | Content-Length: 0", "end",
                "HTTP/1.1 404 Not Found | Content-Length: 0", "end",
                "HTTP/1.1 299 Fine\tThanks \u{e9} | Content-Length: 0", "end",
                "HTTP/1.0 599  | Content-Length: 0", "end",
            ]
        ),
        Example(
            name: "hop-by-hop fields, odd whitespace, a field without a space after its colon",
            input: "HTTP/1.1 200 OK\r\nServer:nginx\r\nConnection: keep-alive\r\nX-Thing:  a b \t\r\n"
                + "Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n",
            events: [
                "HTTP/1.1 200 OK | Server: nginx | Connection: keep-alive | X-Thing: a b | Keep-Alive: timeout=5 | Content-Length: 2",
                "body ok", "end", "HTTP/1.1 204 No Content", "end",
            ]
        ),
    ]

    @Test(
        "heads kept as bytes give the same events as heads parsed into strings, whatever the split",
        arguments: examples, Harness.Split.all)
    func rawHeads(example: Example, split: Harness.Split) {
        let outcome = Harness.run(
            example.input, kind: .response, split: split, answersHEAD: example.answersHEAD, close: example.close,
            rawHeads: true)
        #expect(outcome.error == nil, "\(outcome.error?.message ?? "")")
        #expect(outcome.events == example.events)
        #expect(outcome.isUpgraded == example.upgraded)
        // Read whole, every final head stays bytes; interim heads and 101 never do.
        let finalHeads = example.events.filter { $0.hasPrefix("HTTP/") && (Int($0.dropFirst(9).prefix(3)) ?? 0) >= 200 }.count
        if case .whole = split {
            #expect(outcome.rawHeads == finalHeads)
        }
        // Split byte by byte, no head arrives whole.
        if case .byteByByte = split {
            #expect(outcome.rawHeads == 0)
        }
    }

    @Test("valid responses give their events whatever the split into reads", arguments: examples, Harness.Split.all)
    func validResponse(example: Example, split: Harness.Split) {
        let outcome = Harness.run(
            example.input, kind: .response, split: split, answersHEAD: example.answersHEAD, close: example.close)
        #expect(outcome.error == nil, "\(outcome.error?.message ?? "")")
        #expect(outcome.events == example.events)
        #expect(outcome.isUpgraded == example.upgraded)
        if example.upgraded {
            #expect(outcome.leftover == "HTTP/1.1 200 not a response")
        } else {
            #expect(outcome.leftover.isEmpty && outcome.isIdle)
        }
    }

    @Test("the HEAD flag is kept across interim heads until the caller resets it")
    func headFlagAcrossInterim() throws {
        var parser = HTTP1Parser(kind: .response)
        parser.nextResponseAnswersHEAD = true
        var buffer = ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
        var events: [String] = []
        while let event = try parser.next(&buffer) { events.append(HTTP1ParserHarness.render(event)) }
        #expect(events == ["HTTP/1.1 100 Continue", "HTTP/1.1 200 OK | Content-Length: 3", "end"])
        parser.nextResponseAnswersHEAD = false
        buffer.writeString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
        events = []
        while let event = try parser.next(&buffer) { events.append(HTTP1ParserHarness.render(event)) }
        #expect(events == ["HTTP/1.1 200 OK | Content-Length: 3", "body abc", "end"])
    }
}
