import Foundation
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// HTTP/1.x framing through the engine's own codecs (`HTTP1ServerCodec` downstream,
/// `HTTP1ClientCodec` upstream), against real sockets: pipelining, every way a response body can
/// be delimited, HEAD, 100-continue and malformed upstream responses.
@Suite("Gateway HTTP/1 codecs")
struct GatewayHTTP1CodecTests {
    static let route = GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]")

    @Test("pipelined requests are answered in order on one connection")
    func pipelining() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .echo)
        try await harness.apply(Self.route, backends: backends)
        let requests = ["first", "second-one", "third-body!"].map {
            "POST /p HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: \($0.utf8.count)\r\n\r\n\($0)"
        }
        let result = try await RawClient.exchange(port: harness.port, bytes: Array(requests.joined().utf8), quietPeriod: 1.5)
        let responses = result.text.components(separatedBy: "HTTP/1.1 200 OK").dropFirst()
        #expect(responses.count == 3, "three responses: \(result.text)")
        let bodies = responses.map { $0.components(separatedBy: "\r\n\r\n").last ?? "" }
        #expect(bodies == ["first", "second-one", "third-body!"])
        #expect(!result.closedByPeer, "the connection stays open after pipelined requests")
        #expect(backends[0].requestCount == 3)
        await harness.shutdown(backends)
    }

    @Test("a pipelined request after a bad one is not served")
    func pipelinedAfterError() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .echo)
        try await harness.apply(Self.route, backends: backends)
        let bytes = "GET / HTTP/1.1\r\nHost: app.example.com\r\nBad Header: x\r\n\r\nGET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n"
        let result = try await RawClient.exchange(port: harness.port, bytes: Array(bytes.utf8), quietPeriod: 1.5)
        #expect(result.firstStatus == 400)
        #expect(result.closedByPeer)
        #expect(result.statusLineCount == 1, "exactly one response")
        #expect(backends[0].requestCount == 0)
        await harness.shutdown(backends)
    }

    @Test("a chunked upstream body with trailers reaches an HTTP/1.1 client chunked, and an HTTP/1.0 client ended by the close")
    func chunkedUpstream() async throws {
        let upstream = try await CannedBackend.start(
            response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nx-sum: 12\r\n\r\n")
        let harness = try await GatewayHarness()
        try await harness.apply(Self.route, endpoints: [("v1", upstream.port)])
        let modern = try await RawClient.exchange(
            port: harness.port, bytes: Array("GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n".utf8), quietPeriod: 1.5)
        #expect(modern.firstStatus == 200)
        #expect(modern.text.lowercased().contains("transfer-encoding: chunked"))
        #expect(Self.dechunk(modern.text) == "hello, world", "\(modern.text)")
        #expect(modern.text.contains("x-sum: 12"), "trailers pass: \(modern.text)")
        #expect(!modern.closedByPeer)

        let old = try await RawClient.exchange(
            port: harness.port, bytes: Array("GET / HTTP/1.0\r\nHost: app.example.com\r\n\r\n".utf8), quietPeriod: 3)
        #expect(old.text.hasPrefix("HTTP/1.0 200 OK"), "\(old.text)")
        #expect(!old.text.lowercased().contains("transfer-encoding"))
        #expect(old.text.lowercased().contains("connection: close"))
        #expect(old.text.hasSuffix("\r\n\r\nhello, world"))
        #expect(old.closedByPeer, "an HTTP/1.0 body without a length ends with the close")
        await harness.shutdown()
        await upstream.stop()
    }

    @Test("an upstream body delimited by the close reaches the client whole")
    func closeDelimitedUpstream() async throws {
        let upstream = try await CannedBackend.start(
            response: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the very end", closeAfter: true)
        let harness = try await GatewayHarness()
        try await harness.apply(Self.route, endpoints: [("v1", upstream.port)])
        let result = try await RawClient.exchange(
            port: harness.port, bytes: Array("GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n".utf8), quietPeriod: 1.5)
        #expect(result.firstStatus == 200)
        #expect(Self.dechunk(result.text) == "until the very end")
        #expect(!result.closedByPeer, "the client's connection outlives the upstream's")
        await harness.shutdown()
        await upstream.stop()
    }

    @Test("a body ended by the upstream's close frees its connection: waiting POSTs get fresh ones")
    func closeDelimitedUnderConnectionLimit() async throws {
        // No Connection: close: the upstream just closes after the body. The connection must not
        // go back to the pool, or to a request waiting for the one-connection limit (no retries:
        // a retry after the reset would hide it).
        let upstream = try await CannedBackend.start(response: "HTTP/1.1 200 OK\r\n\r\ndone", closeAfter: true)
        let harness = try await GatewayHarness()
        let rule =
            GatewayRoutingTests.trafficPolicy("connectionPool: {tcp: {maxConnections: 1}, http: {http1MaxPendingRequests: 32}}")
            + "\n---\n" + GatewayRoutingTests.virtualService("  - route: [{destination: {host: app}}]\n    retries: {attempts: 0}")
        try await harness.apply(rule, endpoints: [("v1", upstream.port)])
        let statuses = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for _ in 0..<8 {
                tasks.addTask {
                    try await ProxyClient.request(
                        port: harness.port, "POST", "/", host: harness.host, body: Array("x".utf8), group: harness.group
                    ).status
                }
            }
            return try await tasks.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 8))
        await harness.shutdown()
        await upstream.stop()
    }

    @Test("the answer to HEAD keeps its Content-Length without a body, and the connection goes on")
    func headRequest() async throws {
        let upstream = try await CannedBackend.start(response: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        let harness = try await GatewayHarness()
        try await harness.apply(Self.route, endpoints: [("v1", upstream.port)])
        let bytes = "HEAD / HTTP/1.1\r\nHost: app.example.com\r\n\r\n"
        let result = try await RawClient.exchange(port: harness.port, bytes: Array(bytes.utf8), quietPeriod: 1.5)
        #expect(result.firstStatus == 200)
        #expect(result.text.lowercased().contains("content-length: 5"))
        #expect(result.text.hasSuffix("\r\n\r\n"), "no body after the head: \(result.text)")
        #expect(!result.closedByPeer)
        await harness.shutdown()
        await upstream.stop()
    }

    @Test("Expect: 100-continue gets 100 Continue, then the answer")
    func expectContinue() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .echo)
        try await harness.apply(Self.route, backends: backends)
        let bytes = "PUT /x HTTP/1.1\r\nHost: app.example.com\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"
        let result = try await RawClient.exchange(port: harness.port, bytes: Array(bytes.utf8), quietPeriod: 1.5)
        #expect(result.text.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), "\(result.text)")
        #expect(result.text.hasSuffix("\r\n\r\nbody"))
        #expect(backends[0].received.first?.header("expect") == nil, "Expect is answered by the proxy, not forwarded")
        await harness.shutdown(backends)
    }

    @Test("an ambiguous or malformed upstream response becomes a 5xx, never a smuggled body", arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
        "HTTX/1.1 200 OK\r\n\r\n",
    ])
    func malformedUpstream(response: String) async throws {
        let upstream = try await CannedBackend.start(response: response)
        let directory = try TemporaryDirectory(prefix: "meshbox-gw-upe")
        defer { directory.remove() }
        let log = directory.path + "/access.log"
        let harness = try await GatewayHarness(accessLog: try AccessLogTarget(path: log))
        try await harness.apply(Self.route, endpoints: [("v1", upstream.port)])
        let result = try await RawClient.exchange(
            port: harness.port, bytes: Array("GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n".utf8), quietPeriod: 2)
        let status = try #require(result.firstStatus, "an answer: \(result.text)")
        #expect((500..<600).contains(status))
        // Logged as Envoy does: UPE, the upstream broke the protocol.
        try await eventually("the access log line with UPE", timeout: .seconds(15)) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").contains { line in
                guard let start = line.firstRange(of: "\"response_flags\":\"") else { return false }
                let flags = line[start.upperBound...].prefix { $0 != "\"" }
                return line.contains("\"response_code\":\(status)") && flags.split(separator: ",").contains("UPE")
            }
        }
        await harness.shutdown()
        await upstream.stop()
    }

    @Test("X-Forwarded-For is extended, X-Forwarded-Proto replaced, a client's X-Request-Id kept, hop-by-hop fields dropped")
    func forwardingFields() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .echo)
        try await harness.apply(Self.route, backends: backends)
        let bytes = """
            GET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n\
            X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Request-Id: client-id-1\r\n\r\n
            """
        let result = try await RawClient.exchange(port: harness.port, bytes: Array(bytes.utf8), quietPeriod: 1)
        #expect(result.firstStatus == 200)
        let seen = try #require(backends[0].received.first)
        #expect(seen.header("x-forwarded-for") == "203.0.113.7, 127.0.0.1")
        #expect(seen.header("x-forwarded-proto") == "http")
        #expect(seen.headers.filter { $0.0 == "x-forwarded-proto" }.count == 1)
        #expect(seen.header("x-request-id") == "client-id-1")
        #expect(seen.header("x-secret") == nil, "a field Connection names is hop-by-hop")
        #expect(seen.header("connection") == nil)
        await harness.shutdown(backends)
    }

    @Test("a response head forwarded as it arrived and one rebuilt for a header rule carry the same fields")
    func responseFieldsRawAndRebuilt() async throws {
        // Hop-by-hop fields, odd whitespace, a name without a space after its colon; the route
        // without rules forwards the head's lines as they are, the one with a rule rebuilds it.
        let upstream = try await CannedBackend.start(
            response: "HTTP/1.1 200 OK\r\nServer:canned\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                + "X-Spaced:   a  b \t\r\nProxy-Connection: keep-alive\r\nTrailer: x-sum\r\nUpgrade: h2c\r\n"
                + "Set-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 2\r\n\r\nok")
        let harness = try await GatewayHarness()
        let rules = """
              - match: [{uri: {prefix: /edited}}]
                headers: {response: {set: {x-edited: "yes"}}}
                route: [{destination: {host: app}}]
              - route: [{destination: {host: app}}]
            """
        try await harness.apply(GatewayRoutingTests.virtualService(rules), endpoints: [("v1", upstream.port)])
        func fields(_ path: String) async throws -> [String] {
            let request = "GET \(path) HTTP/1.1\r\nHost: app.example.com\r\n\r\nGET \(path) HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n"
            let result = try await RawClient.exchange(port: harness.port, bytes: Array(request.utf8), quietPeriod: 1.5)
            let responses = result.text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
            #expect(responses.count == 2, "\(result.text)")
            #expect(result.closedByPeer, "the second request asked to close")
            // Both answers, each its fields as `name: value` (value trimmed), service time masked.
            return responses.flatMap { response in
                let head = response.components(separatedBy: "\r\n\r\n")[0]
                let lines = head.components(separatedBy: "\r\n").map { line -> String in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    let name = parts[0].lowercased()
                    let value = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                    return name == "x-envoy-upstream-service-time" && Int(value) != nil ? "\(name): N" : "\(name): \(value)"
                }
                return lines + ["--"]
            }
        }
        let raw = try await fields("/plain")
        let rebuilt = try await fields("/edited")
        let expected = [
            "server: canned", "x-spaced: a  b", "set-cookie: a=1", "set-cookie: b=2", "content-length: 2",
            "x-envoy-upstream-service-time: N",
        ]
        #expect(raw == expected + ["--"] + expected + ["connection: close", "--"])
        #expect(rebuilt == raw.map { $0 == "x-envoy-upstream-service-time: N" ? $0 + "|x-edited: yes" : $0 }
            .flatMap { $0.split(separator: "|").map(String.init) })
        await harness.shutdown()
        await upstream.stop()
    }

    @Test("a request's fields copied as they arrived and ones rebuilt for a header rule reach the upstream alike")
    func requestFieldsCopiedAndRebuilt() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"], behaviour: .echo)
        let rules = """
              - match: [{uri: {prefix: /edited}}]
                headers: {request: {set: {x-edited: "yes"}}}
                route: [{destination: {host: app}}]
              - route: [{destination: {host: app}}]
            """
        try await harness.apply(GatewayRoutingTests.virtualService(rules), backends: backends)
        // Hop-by-hop fields, forwarded fields to replace, odd whitespace, a name
        // without a space after its colon, repeated fields, a body with a length.
        func request(_ path: String) -> String {
            "POST \(path) HTTP/1.1\r\nHost: app.example.com\r\nUser-Agent:probe/1\r\nConnection: keep-alive\r\n"
                + "Keep-Alive: 300\r\nProxy-Connection: keep-alive\r\nTrailer: x-sum\r\nX-Forwarded-For: 203.0.113.7\r\n"
                + "X-Forwarded-Proto: https\r\nX-Request-Id: client-id-7\r\nX-Spaced:   a  b \t\r\nCookie: a=1\r\n"
                + "cookie: b=2\r\nContent-Length: 4\r\n\r\nbody"
        }
        let result = try await RawClient.exchange(
            port: harness.port, bytes: Array((request("/plain") + request("/edited")).utf8), quietPeriod: 1.5)
        #expect(result.statusLineCount == 2, "\(result.text)")
        let seen = backends[0].received
        try #require(seen.count == 2)
        let expected = [
            "host: app.example.com", "user-agent: probe/1", "x-request-id: client-id-7", "x-spaced: a  b", "cookie: a=1",
            "cookie: b=2", "content-length: 4", "x-forwarded-for: 203.0.113.7, 127.0.0.1", "x-forwarded-proto: http",
        ]
        #expect(seen[0].headers.map { "\($0.0): \($0.1)" } == expected)
        #expect(seen[1].headers.map { "\($0.0): \($0.1)" } == expected + ["x-edited: yes"])
        #expect(seen.map { String(decoding: $0.body, as: UTF8.self) } == ["body", "body"])
        await harness.shutdown(backends)
    }

    @Test("a Connection field naming other fields drops them from a response too")
    func responseConnectionNamesFields() async throws {
        let upstream = try await CannedBackend.start(
            response: "HTTP/1.1 200 OK\r\nConnection: X-Hop, keep-alive\r\nX-Hop: 1\r\nX-Kept: 2\r\nTE: trailers\r\nContent-Length: 0\r\n\r\n")
        let harness = try await GatewayHarness()
        try await harness.apply(Self.route, endpoints: [("v1", upstream.port)])
        let result = try await RawClient.exchange(
            port: harness.port, bytes: Array("GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n".utf8), quietPeriod: 1)
        let head = result.text.lowercased()
        #expect(result.firstStatus == 200)
        #expect(head.contains("x-kept: 2"), "\(result.text)")
        #expect(!head.contains("x-hop"), "\(result.text)")
        #expect(!head.contains("connection:"), "\(result.text)")
        #expect(head.contains("te: trailers"), "TE: trailers passes, as in requests")
        await harness.shutdown()
        await upstream.stop()
    }

    /// The body of the first response in `text`, chunked or not (read as bytes: in a Swift
    /// `String`, CR LF is one character).
    static func dechunk(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let split = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return "" }
        let head = String(decoding: bytes[..<split.lowerBound], as: UTF8.self).lowercased()
        var rest = bytes[split.upperBound...]
        guard head.contains("transfer-encoding: chunked") else { return String(decoding: rest, as: UTF8.self) }
        var body: [UInt8] = []
        while let line = rest.firstRange(of: Array("\r\n".utf8)) {
            let sizeField = String(decoding: rest[..<line.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeField, radix: 16), size > 0, line.upperBound + size + 2 <= rest.endIndex else { break }
            body += rest[line.upperBound..<line.upperBound + size]
            rest = rest[(line.upperBound + size + 2)...]
        }
        return String(decoding: body, as: UTF8.self)
    }
}

/// A server on 127.0.0.1 that answers every request (once its head has arrived) with fixed bytes,
/// for responses no HTTP library would send; closes after answering when asked to.
final class CannedBackend: Sendable {
    let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    private init(port: Int, channel: any Channel, group: MultiThreadedEventLoopGroup) {
        self.port = port
        self.channel = channel
        self.group = group
    }

    static func start(response: String, closeAfter: Bool = false) async throws -> CannedBackend {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bytes = Array(response.utf8)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Answer(response: bytes, closeAfter: closeAfter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CannedBackend(port: channel.localAddress?.port ?? 0, channel: channel, group: group)
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    private final class Answer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let response: [UInt8]
        let closeAfter: Bool
        private var received: [UInt8] = []

        init(response: [UInt8], closeAfter: Bool) {
            self.response = response
            self.closeAfter = closeAfter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readBytes(length: buffer.readableBytes) ?? []
            guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            received.removeSubrange(..<end.upperBound)
            let out = context.channel.allocator.buffer(bytes: response)
            let closeAfter = closeAfter
            context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in
                if closeAfter { context.close(promise: nil) }
            }
        }
    }
}
