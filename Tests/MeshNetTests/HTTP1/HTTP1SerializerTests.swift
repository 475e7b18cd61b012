import NIOCore
import NIOHTTP1
import Testing

@testable import MeshNet

@Suite("HTTP1Serializer")
struct HTTP1SerializerTests {
    private func text(_ write: (inout ByteBuffer) -> Void, capacity: Int = 16) -> String {
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        write(&buffer)
        return String(buffer: buffer)
    }

    @Test("status lines: 200 as a constant, other codes with their reason phrase, HTTP/1.0 for a 1.0 client")
    func statusLines() {
        #expect(text { HTTP1Serializer.writeStatusLine(.ok, version: .http1_1, into: &$0) } == "HTTP/1.1 200 OK\r\n")
        #expect(text { HTTP1Serializer.writeStatusLine(.ok, version: .http1_0, into: &$0) } == "HTTP/1.0 200 OK\r\n")
        #expect(
            text { HTTP1Serializer.writeStatusLine(.notFound, version: .http1_1, into: &$0) }
                == "HTTP/1.1 404 Not Found\r\n")
        #expect(
            text { HTTP1Serializer.writeStatusLine(.custom(code: 299, reasonPhrase: "Fine"), version: .http1_0, into: &$0) }
                == "HTTP/1.0 299 Fine\r\n")
        #expect(
            text { HTTP1Serializer.writeStatusLine(.custom(code: 599, reasonPhrase: ""), version: .http1_1, into: &$0) }
                == "HTTP/1.1 599 \r\n")
    }

    @Test("the proxy's own fields of a forwarded head, and the blank line that ends it")
    func proxyFields() {
        #expect(
            text { HTTP1Serializer.writeProxyFields(upstreamServiceTime: .microseconds(900), close: false, chunked: false, into: &$0) }
                == "x-envoy-upstream-service-time: 0\r\n\r\n")
        #expect(
            text { HTTP1Serializer.writeProxyFields(upstreamServiceTime: .milliseconds(1234), close: true, chunked: true, into: &$0) }
                == "x-envoy-upstream-service-time: 1234\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n")
        #expect(
            text { HTTP1Serializer.writeProxyFields(upstreamServiceTime: nil, close: false, chunked: true, into: &$0) }
                == "transfer-encoding: chunked\r\n\r\n")
        #expect(
            text { HTTP1Serializer.writeProxyFields(upstreamServiceTime: .seconds(90), close: false, chunked: false, into: &$0) }
                == "x-envoy-upstream-service-time: 90000\r\n\r\n")
    }

    @Test("request lines always say HTTP/1.1, whatever the method")
    func requestLines() {
        for (method, name) in [(HTTPMethod.GET, "GET"), (.POST, "POST"), (.PATCH, "PATCH"), (.RAW(value: "PROPFIND"), "PROPFIND")] {
            let head = HTTPRequestHead(version: .http1_0, method: method, uri: "/a?b=c")
            #expect(text { HTTP1Serializer.writeRequestLine(head, into: &$0) } == "\(name) /a?b=c HTTP/1.1\r\n")
        }
    }

    @Test("fields are written in order, the skipped name left out, framing noticed, the buffer grown as needed")
    func fields() {
        let long = String(repeating: "v", count: 3000)
        let headers = HTTPHeaders([
            ("Host", "a"), ("Connection", "close"), ("X-Long", long), ("Content-Length", "12"), ("X-Empty", ""),
            ("transfer-encoding", " Chunked "),
        ])
        var framing = (contentLength: false, chunked: false)
        let written = text { framing = HTTP1Serializer.writeFields(headers, into: &$0, skipping: "CONNECTION") }
        #expect(
            written
                == "Host: a\r\nX-Long: \(long)\r\nContent-Length: 12\r\nX-Empty: \r\ntransfer-encoding:  Chunked \r\n")
        #expect(framing.contentLength && framing.chunked)
        #expect(HTTP1Serializer.framing(of: headers) == framing)

        let none = text { framing = HTTP1Serializer.writeFields(HTTPHeaders(), into: &$0) }
        #expect(none.isEmpty && !framing.contentLength && !framing.chunked)
    }

    @Test("a serialised head parses back to the same head")
    func roundTrip() throws {
        let head = HTTPRequestHead(
            version: .http1_1, method: .PUT, uri: "/upload/a%20b?x=1",
            headers: HTTPHeaders([("Host", "example.com"), ("Content-Length", "0"), ("X-Note", "a, b")]))
        var buffer = ByteBufferAllocator().buffer(capacity: 8)
        HTTP1Serializer.writeRequestLine(head, into: &buffer)
        HTTP1Serializer.writeFields(head.headers, into: &buffer)
        buffer.writeStaticString("\r\n")
        var parser = HTTP1Parser(kind: .request)
        guard case .requestHead(let parsed)? = try parser.next(&buffer) else {
            Issue.record("no request head")
            return
        }
        #expect(parsed.method == head.method && parsed.uri == head.uri && parsed.version == head.version)
        #expect(parsed.headers == head.headers)
    }
}
