import Foundation
import MeshNet
import MeshTesting
import NIOCore
import Testing

/// Malformed and hostile requests (request smuggling patterns included): each gets a 4xx/5xx or a
/// closed connection, none reaches the backend, and the gateway keeps serving.
@Suite("Hostile requests")
struct HostileRequestTests {
    static let host = "Host: app.example.com\r\n"

    static let corpus: [(String, String)] = [
        ("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\n\(host)Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("Transfer-Encoding before Content-Length", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"),
        ("chunked, identity", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"),
        ("xchunked", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
        ("Transfer-Encoding twice", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("space before colon", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
        ("conflicting Content-Length", "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        ("Content-Length list", "POST / HTTP/1.1\r\n\(host)Content-Length: 5, 6\r\n\r\nhello!"),
        ("negative Content-Length", "POST / HTTP/1.1\r\n\(host)Content-Length: -1\r\n\r\n"),
        ("non-numeric Content-Length", "POST / HTTP/1.1\r\n\(host)Content-Length: abc\r\n\r\n"),
        ("Content-Length in exponent form", "POST / HTTP/1.1\r\n\(host)Content-Length: 1e3\r\n\r\n"),
        ("invalid chunk size", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        ("overflowing chunk size", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nx\r\n0\r\n\r\n"),
        ("chunked on HTTP/1.0", "POST / HTTP/1.0\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("missing Host", "GET / HTTP/1.1\r\n\r\n"),
        ("two Host headers", "GET / HTTP/1.1\r\n\(host)Host: other.example.com\r\n\r\n"),
        ("Host with a space", "GET / HTTP/1.1\r\nHost: app example.com\r\n\r\n"),
        ("Host with a slash", "GET / HTTP/1.1\r\nHost: app.example.com/evil\r\n\r\n"),
        ("Host with an at sign", "GET / HTTP/1.1\r\nHost: user@app.example.com\r\n\r\n"),
        ("invalid method characters", "G@T / HTTP/1.1\r\n\(host)\r\n"),
        ("HTTP/2.0 in an HTTP/1 request line", "GET / HTTP/2.0\r\n\(host)\r\n"),
        ("unknown HTTP version", "GET / HTTP/9.9\r\n\(host)\r\n"),
        ("header name with a space", "GET / HTTP/1.1\r\n\(host)Bad Header: x\r\n\r\n"),
        ("header line without a colon", "GET / HTTP/1.1\r\n\(host)NoColonHere\r\n\r\n"),
        ("NUL in a header value", "GET / HTTP/1.1\r\n\(host)X-Test: a\u{0}b\r\n\r\n"),
        ("CR inside a header value", "GET / HTTP/1.1\r\n\(host)X-Test: a\rb\r\n\r\n"),
        ("obsolete line folding", "GET / HTTP/1.1\r\n\(host)X-Test: a\r\n b\r\n\r\n"),
        ("request target without a slash", "GET foo HTTP/1.1\r\n\(host)\r\n"),
        ("request target too long", "GET /\(String(repeating: "a", count: 20_000)) HTTP/1.1\r\n\(host)\r\n"),
        ("header block too large", "GET / HTTP/1.1\r\n\(host)X-Big: \(String(repeating: "b", count: 70_000))\r\n\r\n"),
        ("too many header fields", "GET / HTTP/1.1\r\n\(host)" + (0..<150).map { "X-H\($0): v\r\n" }.joined() + "\r\n"),
        ("CONNECT tunnel", "CONNECT app.example.com:443 HTTP/1.1\r\n\(host)\r\n"),
        ("CONNECT with a Content-Length", "CONNECT app.example.com:443 HTTP/1.1\r\n\(host)Content-Length: 5\r\n\r\nhello"),
        ("CONNECT chunked", "CONNECT app.example.com:443 HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("TRACE with a body", "TRACE / HTTP/1.1\r\n\(host)Content-Length: 5\r\n\r\nhello"),
        ("space-prefixed first header", "GET / HTTP/1.1\r\n Host: app.example.com\r\n\r\n"),
        ("control character in the path", "GET /a\u{7f}b HTTP/1.1\r\n\(host)\r\n"),
        ("unsupported expectation", "POST / HTTP/1.1\r\n\(host)Content-Length: 1\r\nExpect: 200-ok\r\n\r\nx"),
        ("binary garbage", String(decoding: (0..<64).map { UInt8(($0 * 37 + 11) % 256) }, as: UTF8.self)),
    ]

    @Test("each hostile request gets 4xx/5xx or a close, reaches no backend, and the gateway keeps serving")
    func corpusIsRefused() async throws {
        #expect(Self.corpus.count >= 30)
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .echo)
        try await harness.apply(GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        for (name, request) in Self.corpus {
            let result = try await RawClient.exchange(port: harness.port, bytes: Array(request.utf8), quietPeriod: 1.5)
            if let status = result.firstStatus {
                #expect((400..<600).contains(status), "\(name): answered \(status)")
                let count = result.statusLineCount
                #expect(count == 1, "\(name): exactly one response, got \(count)")
            } else {
                #expect(result.closedByPeer, "\(name): neither an error status nor a close (got \(result.bytes.count) bytes)")
            }
        }
        #expect(backends[0].requestCount == 0, "no hostile request reached the backend: \(backends[0].received.map(\.uri))")
        let ok = try await ProxyClient.request(port: harness.port, "GET", "/", host: harness.host, group: harness.group)
        #expect(ok.status == 200, "the gateway still serves")
        await harness.shutdown(backends)
    }

    @Test("a client that sends its header too slowly gets 408 and is closed")
    func slowHeader() async throws {
        var settings = ProxySettings()
        settings.requestHeaderTimeout = .milliseconds(300)
        let harness = try await GatewayHarness(settings: settings)
        let backends = try await harness.backends(["v1"])
        try await harness.apply(GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        // The gateway answers and closes (the client would otherwise wait out its 5 s quiet
        // period and report no close); no timing assertion, which a loaded machine breaks.
        let result = try await RawClient.exchange(port: harness.port, bytes: Array("GET / HTTP/1.1\r\nHost: app".utf8), quietPeriod: 5)
        #expect(result.closedByPeer)
        #expect(result.firstStatus == 408)
        await harness.shutdown(backends)
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idleTimeout() async throws {
        var settings = ProxySettings()
        settings.idleTimeout = .milliseconds(300)
        let harness = try await GatewayHarness(settings: settings)
        let backends = try await harness.backends(["v1"])
        try await harness.apply(GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        // A connection that never sends a request is closed by the idle timer, without an answer.
        let started = ContinuousClock.now
        let idle = try await RawClient.exchange(port: harness.port, bytes: [], quietPeriod: 8)
        #expect(idle.closedByPeer && idle.bytes.isEmpty)
        #expect(ContinuousClock.now - started < .seconds(6))
        // After a request the codec runs the timer: the connection answers, then closes when idle.
        let afterRequest = ContinuousClock.now
        let served = try await RawClient.exchange(
            port: harness.port, bytes: Array("GET / HTTP/1.1\r\n\(Self.host)\r\n".utf8), quietPeriod: 8)
        #expect(served.firstStatus == 200 && served.statusLineCount == 1, "\(served.text)")
        #expect(served.closedByPeer)
        #expect(ContinuousClock.now - afterRequest < .seconds(6))
        await harness.shutdown(backends)
    }

    @Test("a body larger than the limit gets 413")
    func bodyLimit() async throws {
        var settings = ProxySettings()
        settings.maxRequestBodyBytes = 1000
        let harness = try await GatewayHarness(settings: settings)
        let backends = try await harness.backends(["v1"], behaviour: .echo)
        try await harness.apply(GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]"), backends: backends)
        let declared = try await ProxyClient.request(
            port: harness.port, "POST", "/", host: harness.host, body: [UInt8](repeating: 1, count: 2000), group: harness.group)
        #expect(declared.status == 413)
        let chunked = try await RawClient.exchange(
            port: harness.port,
            bytes: Array("POST / HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n\(String(repeating: "x", count: 2000))\r\n0\r\n\r\n".utf8),
            quietPeriod: 2)
        #expect(chunked.firstStatus == 413 || chunked.closedByPeer)
        #expect(backends[0].received.allSatisfy { $0.body.count <= 1000 })
        await harness.shutdown(backends)
    }
}
