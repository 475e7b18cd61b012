import MeshModel
import MeshNet
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

        @Test("headers without hop-by-hop ones are left as they are")
        func untouched() {
            let original = HTTPHeaders([("Host", "a"), ("Accept", "*/*")])
            var headers = original
            HopByHopHeaders.remove(from: &headers)
            #expect(headers == original)
        }
    }
}
