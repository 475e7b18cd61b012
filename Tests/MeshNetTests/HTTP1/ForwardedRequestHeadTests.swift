import NIOCore
import NIOHTTP1
import Testing

@testable import MeshNet

/// Request heads forwarded as the client's lines: the same fields, byte for byte, as the
/// general path's `HopByHopHeaders.forwardedFields` serialised by `HTTP1Serializer`.
@Suite("ForwardedRequestHead")
struct ForwardedRequestHeadTests {
    static let heads: [String] = [
        "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
        "GET /p?q=1 HTTP/1.1\r\nHost: a.example\r\nUser-Agent:probe\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
        "POST /u HTTP/1.1\r\nHost: a\r\nKeep-Alive: 300\r\nProxy-Connection: x\r\nTrailer: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX-Forwarded-For: 1.2.3.4\r\nx-forwarded-proto: https\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX-Spaced:   a  b \t\r\nX-Empty:\r\nCookie: a=1\r\ncookie: b=2\r\nX-Request-Id: id-1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX-Blank: \r\nConnection: close\r\nAccept: */*\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a\r\nCONNECTION: Close\r\nX-Forwarded-Host: h\r\nX-Forwarded-Protocol: p\r\n\r\n",
        // Identity fields only the proxy may set: forged ones go, look-alikes stay.
        "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Client-Cert: By=x;URI=spiffe://evil\r\nx-envoy-internal: true\r\n"
            + "X-Envoy-Original-Path: /admin\r\nx-envoy-expected-rq-timeout-ms: 1\r\nx-envoy-: e\r\nX-Envoy: kept\r\n"
            + "x-envoyish: kept\r\nx-forwarded-client-certs: kept\r\nX-Request-Id: id-2\r\n\r\n",
    ]

    /// The identity fields of the heads above, which neither path may forward.
    static let identityNames: Set<String> = [
        "x-forwarded-client-cert", "x-envoy-internal", "x-envoy-original-path", "x-envoy-expected-rq-timeout-ms", "x-envoy-",
    ]

    static func parse(_ text: String) throws -> (HTTPRequestHead, FieldLines.Block) {
        var parser = HTTP1Parser(kind: .request)
        parser.rawRequestFields = true
        var buffer = ByteBuffer(string: text)
        guard case .requestHead(let head) = try parser.next(&buffer), let lines = parser.takeRequestFields() else {
            Issue.record("no head with its lines for \(text)")
            throw HTTP1ParseError.badRequest("no head")
        }
        #expect(parser.takeRequestFields() == nil, "handed over once")
        return (head, lines)
    }

    @Test("the copied lines and the added fields are what the general path writes", arguments: heads, [false, true])
    func sameAsGeneralPath(text: String, dropForwarded: Bool) throws {
        let (head, lines) = try Self.parse(text)
        let added = ProxyRequestFields(
            chunked: head.headers.contains(name: "transfer-encoding"), forwardedFor: "127.0.0.1",
            forwardedProto: dropForwarded ? "http" : nil,
            forwardedClientCert: dropForwarded ? "Hash=ab;Subject=\"O=x\";URI=spiffe://td/ns/a/sa/b" : nil, requestID: "new")
        let forwarded = ForwardedRequestHead(
            method: head.method, uri: head.uri, lines: lines.bytes, canonical: lines.canonical,
            dropped: [.hopByHop, .expect, .identity, dropForwarded ? .forwarded : []], added: added)
        var copied = ByteBuffer()
        let framing = forwarded.writeFields(into: &copied)

        var fields = HopByHopHeaders.forwardedFields(
            head.headers, dropExpect: true, dropForwarded: dropForwarded, dropIdentity: true, extraCapacity: 0
        ).fields
        #expect(
            fields.allSatisfy { !Self.identityNames.contains($0.0.lowercased()) }, "a client's identity field went on")
        added.append(to: &fields)
        var general = ByteBuffer()
        let generalFraming = HTTP1Serializer.writeFields(HTTPHeaders(fields), into: &general)
        #expect(String(buffer: copied) == String(buffer: general))
        #expect(framing.contentLength == generalFraming.contentLength && framing.chunked == generalFraming.chunked)
        #expect(forwarded.head().headers.map { "\($0.name): \($0.value)" } == fields.map { "\($0.0): \($0.1)" })
    }

    @Test(
        "a head is canonical when every line reads `name: value` as the serializer writes it",
        arguments: [
            ("A: b\r\nC-D: e f\r\n", true), ("A: \r\n", true), ("A:b\r\n", false), ("A:  b\r\n", false),
            ("A: b \r\n", false), ("A:\r\n", false), ("A:\tb\r\n", false), ("A: b\r\nC:d\r\n", false),
        ])
    func canonical(lines: String, expected: Bool) throws {
        let (_, block) = try Self.parse("GET / HTTP/1.1\r\n" + lines + "\r\n")
        #expect(block.canonical == expected)
    }

    @Test("responses keep x-envoy-* fields: only requests drop them")
    func responsesKeepIdentityFields() {
        let headers = HTTPHeaders([("x-envoy-upstream-service-time", "3"), ("x-forwarded-client-cert", "Hash=1")])
        #expect(HopByHopHeaders.forwardedFields(headers, extraCapacity: 0).fields.map(\.0) == headers.map(\.name))
        var stripped = headers
        HopByHopHeaders.strip(&stripped, dropIdentity: true)
        #expect(stripped.isEmpty)
    }

    @Test("the scan for a copy refuses fields only the general path handles")
    func scanForCopy() throws {
        let named = try Self.parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: x-secret\r\nX-Secret: 1\r\n\r\n").0
        #expect(HopByHopHeaders.scanForCopy(named.headers, dropForwarded: true) == nil)
        let te = try Self.parse("GET / HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n").0
        #expect(HopByHopHeaders.scanForCopy(te.headers, dropForwarded: true) == nil)
        let plain = try Self.parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX-Request-Id: r\r\nX-Forwarded-For: f\r\n\r\n").0
        let scan = try #require(HopByHopHeaders.scanForCopy(plain.headers, dropForwarded: true))
        #expect(scan.close && scan.requestID == "r" && scan.forwardedFor == "f")
    }

    @Test("a head in a small input buffer shares it; one in a large buffer is copied out")
    func storageShared() throws {
        for (capacity, shared) in [(4096, true), (64 * 1024, false)] {
            var parser = HTTP1Parser(kind: .request)
            parser.rawRequestFields = true
            var buffer = ByteBufferAllocator().buffer(capacity: capacity)
            buffer.writeString("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\r\n")
            guard case .requestHead = try parser.next(&buffer), let block = parser.takeRequestFields() else {
                Issue.record("no head with its lines")
                return
            }
            #expect(String(buffer: block.bytes) == "Host: a\r\nX-A: 1\r\n")
            #expect((block.bytes.storageCapacity == buffer.storageCapacity) == shared, "input capacity \(capacity)")
        }
    }

    @Test("a request head that arrives in pieces keeps no lines")
    func splitHead() throws {
        var parser = HTTP1Parser(kind: .request)
        parser.rawRequestFields = true
        var buffer = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n")
        #expect(try parser.next(&buffer) == nil)
        buffer.writeString("X-B: 2\r\n\r\n")
        guard case .requestHead(let head) = try parser.next(&buffer) else {
            Issue.record("no head")
            return
        }
        #expect(head.headers.map { "\($0.name): \($0.value)" } == ["Host: a", "X-B: 2"])
        #expect(parser.takeRequestFields() == nil)
    }
}
