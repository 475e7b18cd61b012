import MeshModel
@testable import MeshNet
import NIOHTTP1
import Testing

extension RoutingTests {
    @Suite("HeaderMutations")
    struct HeaderMutationsTests {
        static let mutations = Snapshot.HeaderMutations(
            requestHeadersToAdd: [
                .init(name: "x-env", value: "prod", append: false),
                .init(name: "x-tag", value: "b", append: true),
            ],
            requestHeadersToRemove: ["x-secret", "x-env"],
            responseHeadersToAdd: [.init(name: "cache-control", value: "no-store", append: false)],
            responseHeadersToRemove: ["server"]
        )

        @Test("request headers: removals first, then set replaces every value and append adds one")
        func request() {
            var headers = HTTPHeaders([
                ("X-Env", "dev"), ("x-env", "test"), ("x-tag", "a"), ("X-Secret", "s"), ("accept", "*/*"),
            ])
            Self.mutations.applyToRequest(&headers)
            #expect(headers["x-env"] == ["prod"])
            #expect(headers["x-tag"] == ["a", "b"])
            #expect(!headers.contains(name: "x-secret"))
            #expect(headers["accept"] == ["*/*"])
        }

        @Test("response headers use the response lists only")
        func response() {
            var headers = HTTPHeaders([("Server", "upstream"), ("Cache-Control", "max-age=60"), ("x-secret", "kept")])
            Self.mutations.applyToResponse(&headers)
            #expect(!headers.contains(name: "server"))
            #expect(headers["cache-control"] == ["no-store"])
            #expect(headers["x-secret"] == ["kept"])
        }

        @Test("set replaces a header it added earlier in the same list")
        func setAfterAppend() {
            let mutations = Snapshot.HeaderMutations(requestHeadersToAdd: [
                .init(name: "x", value: "1", append: true), .init(name: "x", value: "2", append: false),
            ])
            var headers = HTTPHeaders()
            mutations.applyToRequest(&headers)
            #expect(headers["x"] == ["2"])
        }
    }

    @Suite("HopByHopHeaders")
    struct HopByHopHeadersTests {
        @Test("hop-by-hop headers and those Connection names are removed, end-to-end ones stay")
        func removes() {
            var headers = HTTPHeaders([
                ("Connection", "keep-alive, X-Hop"), ("Keep-Alive", "timeout=5"), ("X-Hop", "1"),
                ("Proxy-Connection", "keep-alive"), ("Transfer-Encoding", "chunked"), ("Trailer", "x-checksum"),
                ("TE", "gzip"), ("Upgrade", "websocket"), ("Accept", "text/html"), ("X-End", "2"),
            ])
            HopByHopHeaders.remove(from: &headers)
            #expect(headers.map(\.name) == ["Accept", "X-End"])
        }

        @Test("a field the proxy reads (X-Request-Id, X-Forwarded-For) is dropped when Connection names it")
        func connectionNamesNotedField() {
            var headers = HTTPHeaders([
                ("Connection", "x-request-id, X-Forwarded-For"), ("X-Request-Id", "from-client"),
                ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("Accept", "*/*"),
            ])
            let scan = HopByHopHeaders.strip(&headers)
            #expect(headers.map(\.name) == ["X-Forwarded-Proto", "Accept"])
            #expect(scan.requestID == nil && scan.forwardedFor == nil, "values of dropped fields are not used")
        }

        @Test("TE: trailers is kept for gRPC")
        func keepsTrailersTE() {
            var headers = HTTPHeaders([("te", "trailers"), ("connection", "te")])
            HopByHopHeaders.sanitizeForwarding(&headers)
            #expect(headers.map(\.name) == ["te"])
        }

        @Test("keepUpgrade keeps a WebSocket handshake's Upgrade and a Connection: upgrade")
        func keepsUpgrade() {
            var headers = HTTPHeaders([
                ("Connection", "Upgrade, keep-alive"), ("Upgrade", "websocket"), ("Keep-Alive", "5"),
                ("Sec-WebSocket-Key", "k"),
            ])
            HopByHopHeaders.remove(from: &headers, keepUpgrade: true)
            #expect(headers["upgrade"] == ["websocket"])
            #expect(headers["connection"] == ["upgrade"])
            #expect(!headers.contains(name: "keep-alive"))
            #expect(headers["sec-websocket-key"] == ["k"])

            var plain = HTTPHeaders([("Connection", "keep-alive")])
            HopByHopHeaders.remove(from: &plain, keepUpgrade: true)
            #expect(plain.isEmpty)
        }

        @Test("strip reads Connection, Transfer-Encoding and the forwarding fields in the same pass")
        func stripScan() {
            var headers = HTTPHeaders([
                ("Host", "a"), ("Connection", "Keep-Alive, close"), ("Transfer-Encoding", "chunked"),
                ("Expect", "100-continue"), ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "10.0.0.1"),
                ("X-Forwarded-Proto", "http"), ("X-Request-Id", "abc"),
            ])
            let scan = HopByHopHeaders.strip(&headers, dropExpect: true, dropForwarded: true)
            #expect(scan.close && scan.keepAlive && scan.transferEncoding)
            #expect(scan.forwardedFor == "203.0.113.7")
            #expect(scan.requestID == "abc")
            #expect(headers.map(\.name) == ["Host", "X-Request-Id"])
            #expect(!scan.persists(.http1_1) && !scan.persists(.http1_0))

            var kept = HTTPHeaders([("Expect", "100-continue"), ("X-Forwarded-For", "1.2.3.4"), ("Connection", "keep-alive")])
            let plain = HopByHopHeaders.strip(&kept)
            #expect(kept.map(\.name) == ["Expect", "X-Forwarded-For"], "only asked-for fields go")
            #expect(plain.persists(.http1_0) && plain.persists(.http1_1))
            #expect(!HopByHopHeaders.Scan().persists(.http1_0), "HTTP/1.0 closes without keep-alive")
        }

        @Test("forwardedFields copies what strip keeps, with room for the proxy's own fields")
        func forwardedFields() {
            let headers = HTTPHeaders([
                ("Host", "a"), ("Connection", "close, X-Trace"), ("X-Trace", "1"), ("X-Request-Id", "abc"),
                ("Upgrade", "websocket"), ("Accept", "*/*"),
            ])
            let (fields, scan) = HopByHopHeaders.forwardedFields(headers, extraCapacity: 3)
            #expect(fields.map(\.0) == ["Host", "X-Request-Id", "Accept"])
            #expect(fields.capacity >= fields.count + 3)
            #expect(scan.close && scan.requestID == "abc")
            #expect(headers.count == 6, "the input is not changed")

            let upgrading = HopByHopHeaders.forwardedFields(headers, keepUpgrade: true, extraCapacity: 0).fields
            #expect(upgrading.map(\.0) == ["Host", "X-Request-Id", "Upgrade", "Accept", "connection"])
            #expect(upgrading.last?.1 == "upgrade")

            // Nothing to drop: the same fields, still a copy with room.
            let plain = HTTPHeaders([("Host", "a"), ("Accept", "*/*")])
            let copied = HopByHopHeaders.forwardedFields(plain, extraCapacity: 2).fields
            #expect(copied.map(\.0) == ["Host", "Accept"] && copied.map(\.1) == ["a", "*/*"])
        }

        @Test("headers without hop-by-hop ones are left as they are")
        func untouched() {
            let original = HTTPHeaders([("Host", "a"), ("Accept", "*/*")])
            var headers = original
            HopByHopHeaders.remove(from: &headers)
            #expect(headers == original)
        }
    }
}
