@testable import MeshConsole
import Synchronization
import Testing

@Suite("Console listener limits")
struct ConsoleListenerTests {
    @Test(
        "a connection that sends nothing, half a request head, or nothing after a request is closed after the idle timeout",
        arguments: ["", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"])
    func idleConnectionClosed(bytes: String) async throws {
        try await ConsoleHarness.with(adjust: { $0.idleTimeout = .milliseconds(300) }) { console in
            let closed = try await TestHTTPClient.closedByServer(port: console.port, after: bytes)
            #expect(closed)
        }
    }

    @Test("a first request head that stalls is closed after the header timeout, well before the idle timeout")
    func slowHeadClosed() async throws {
        try await ConsoleHarness.with(adjust: { $0.requestHeaderTimeout = .milliseconds(300); $0.idleTimeout = .seconds(3600) }) { console in
            let closed = try await TestHTTPClient.closedByServer(port: console.port, after: "GET /healthz HTTP/1.1\r\nHost: 1")
            #expect(closed)
            // A head that does arrive is answered, and the connection then falls under the idle timeout.
            #expect(try await console.send("GET", "/healthz", token: nil).status == 200)
        }
    }

    @Test("the end of a request head is found across reads, CRLF or bare LF")
    func headEnd() {
        var tail: [UInt8] = []
        #expect(!RequestHeadTimeoutHandler.endsHead(tail: &tail, bytes: Array("GET / HTTP/1.1\r\nHost: a\r\n\r".utf8)))
        #expect(RequestHeadTimeoutHandler.endsHead(tail: &tail, bytes: Array("\n".utf8)))
        tail = []
        #expect(RequestHeadTimeoutHandler.endsHead(tail: &tail, bytes: Array("GET / HTTP/1.1\nHost: a\n\n".utf8)))
        tail = []
        #expect(!RequestHeadTimeoutHandler.endsHead(tail: &tail, bytes: Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)))
        // Blank lines before the request line (which parsers skip) do not end the head's deadline.
        tail = []
        #expect(!RequestHeadTimeoutHandler.endsHead(tail: &tail, bytes: Array("\r\n\r\n".utf8)))
        #expect(!RequestHeadTimeoutHandler.endsHead(tail: &tail, bytes: Array("\n\nGET / HTTP/1.1\r\n".utf8)))
        #expect(RequestHeadTimeoutHandler.endsHead(tail: &tail, bytes: Array("Host: a\r\n\r\n".utf8)))
    }

    @Test("beyond the connection cap a client waits until a connection closes")
    func connectionCap() async throws {
        try await ConsoleHarness.with(adjust: { $0.maxConnections = 1; $0.idleTimeout = .milliseconds(300) }) { console in
            let events = EventLog()
            let (answered, signal) = AsyncStream.makeStream(of: Void.self)
            // The first connection is answered, then holds the only slot until the idle timeout closes it.
            let held = Task {
                let closed = try await TestHTTPClient.closedByServer(
                    port: console.port, after: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                    onAnswer: { signal.yield() })
                events.append("first closed")
                return closed
            }
            for await _ in answered { break }
            let second = Task {
                let reply = try await console.send("GET", "/healthz", token: nil)
                events.append("second answered")
                return reply.status
            }
            let closed = try await held.value
            let status = try await second.value
            #expect(closed)
            #expect(status == 200)
            // Served at once, the second would have been answered while the first was still open.
            #expect(events.entries == ["first closed", "second answered"])
        }
    }
}

/// What happened, in the order it happened, across tasks.
final class EventLog: Sendable {
    private let log = Mutex<[String]>([])
    var entries: [String] { log.withLock { $0 } }
    func append(_ entry: String) { log.withLock { $0.append(entry) } }
}
