import MeshNet
import MeshTesting
import Testing

/// Response compression, the meshbox `compression` extension of a VirtualService rule: gzip for
/// clients that accept it, on the routes that ask, for the content types and sizes that qualify,
/// checked with the real `curl` (which decompresses and reports what crossed the wire).
@Suite("Gateway response compression")
struct GatewayCompressionTests {
    static let page = Array(String(repeating: "<p>meshbox compresses text that repeats itself.</p>\n", count: 200).utf8)

    @Test("gzip when the route asks and the client accepts; identity otherwise, and never twice")
    func gzip() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        backends[0].behaviour = .respond(status: 200, headers: [("content-type", "text/html; charset=utf-8")], body: Self.page)
        let routes = GatewayRoutingTests.virtualService(
            """
              - match: [{uri: {prefix: /plain}}]
                route: [{destination: {host: app}}]
              - match: [{uri: {prefix: /big-only}}]
                route: [{destination: {host: app}}]
                compression: {minContentLength: 100000}
              - route: [{destination: {host: app}}]
                compression: {}
            """)
        let report = try await harness.apply(routes, backends: backends)
        #expect(report.failed.isEmpty && report.problems.isEmpty, "\(report)")
        let url = "http://\(harness.host):\(harness.port)"
        let resolve = "\(harness.host):\(harness.port):127.0.0.1"
        func curl(_ path: String, _ extra: [String] = []) async throws -> (headers: String, body: String, wire: Int) {
            let run = try await GatewayTLSTests.run(
                "curl", ["-sS", "--max-time", "10", "--resolve", resolve, "-D", "-", "-w", "\n%{size_download}"] + extra + [url + path])
            let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false)
            let wire = Int(lines.last ?? "") ?? -1
            return (run.output.lowercased(), run.output, wire)
        }
        // Accepted and asked for: gzip on the wire, the page after curl decompresses.
        let compressed = try await curl("/x", ["--compressed", "-H", "accept-encoding: gzip"])
        #expect(compressed.headers.contains("content-encoding: gzip"), "\(compressed.headers.prefix(400))")
        #expect(compressed.headers.contains("vary: accept-encoding"))
        #expect(compressed.wire > 0 && compressed.wire < Self.page.count / 4, "wire bytes \(compressed.wire)")
        #expect(compressed.body.contains(String(decoding: Self.page, as: UTF8.self)))
        #expect(!compressed.headers.contains(ResponseCompressionMarker.name))
        // curl's own offer (`deflate, gzip`): NIO's negotiation takes deflate on a tie.
        let tie = try await curl("/x", ["--compressed"])
        #expect(tie.headers.contains("content-encoding: deflate") && tie.wire < Self.page.count / 4, "\(tie.headers.prefix(300))")
        // The client does not accept gzip: identity, with Vary.
        let identity = try await curl("/x")
        #expect(!identity.headers.contains("content-encoding") && identity.wire == Self.page.count, "\(identity.wire)")
        // A route without compression, and one whose minimum the response does not reach.
        for path in ["/plain", "/big-only"] {
            let untouched = try await curl(path, ["--compressed"])
            #expect(!untouched.headers.contains("content-encoding") && untouched.wire == Self.page.count, "\(path): \(untouched.wire)")
        }
        // Already encoded upstream, or a type not in the list: passed through as is.
        backends[0].behaviour = .respond(
            status: 200, headers: [("content-type", "text/html"), ("content-encoding", "br")], body: Self.page)
        let encoded = try await curl("/x", ["-H", "accept-encoding: gzip"])
        #expect(encoded.headers.contains("content-encoding: br") && !encoded.headers.contains("gzip") && encoded.wire == Self.page.count)
        backends[0].behaviour = .respond(status: 200, headers: [("content-type", "image/png")], body: Self.page)
        let binary = try await curl("/x", ["--compressed"])
        #expect(!binary.headers.contains("content-encoding") && binary.wire == Self.page.count)
        // HTTP/2 streams compress the same way.
        backends[0].behaviour = .respond(status: 200, headers: [("content-type", "text/plain")], body: Self.page)
        let h2 = try await curl("/x", ["--compressed", "-H", "accept-encoding: gzip", "--http2-prior-knowledge"])
        #expect(h2.headers.contains("http/2 200") && h2.headers.contains("content-encoding: gzip") && h2.wire < Self.page.count / 4, "\(h2.headers.prefix(300))")
        await harness.shutdown(backends)
    }
}

/// The marker header must never reach a client.
enum ResponseCompressionMarker {
    static let name = "x-meshbox-compress"
}
