import MeshNet
import NIOHTTP1
import Testing

extension RoutingTests {
    @Suite("RequestFacts")
    struct RequestFactsTests {
        @Test(
            "the request target splits into path, query and :path",
            arguments: [
                ("/a/b?x=1&y", "/a/b", "x=1&y" as String?, "/a/b?x=1&y"),
                ("/a/b", "/a/b", nil, "/a/b"),
                ("/a?", "/a", "", "/a?"),
                ("/a#frag", "/a", nil, "/a"),
                ("/a?b?c", "/a", "b?c", "/a?b?c"),
                ("/a?x#f?g", "/a", "x", "/a?x"),
                ("/caf\u{e9}?q=\u{fc}", "/caf\u{e9}", "q=\u{fc}", "/caf\u{e9}?q=\u{fc}"),
                ("/", "/", nil, "/"),
                ("http://Other.COM:8080/p?q=2", "/p", "q=2", "/p?q=2"),
                ("http://other.com", "/", nil, "/"),
                ("http://other.com?q", "/", "q", "/?q"),
            ]
        )
        func splitsTarget(uri: String, path: String, query: String?, pathAndQuery: String) {
            let facts = makeFacts(uri)
            #expect(facts.path == path[...])
            #expect(facts.query.map(String.init) == query)
            #expect(facts.pathAndQuery == pathAndQuery[...])
        }

        @Test(
            "the authority is the Host header lower-cased, or an absolute URI's authority",
            arguments: [
                ("/", "Example.COM:8080" as String?, "example.com:8080"),
                ("/", nil, ""),
                ("http://user@Absolute.io:81/x", "ignored.com", "absolute.io:81"),
            ]
        )
        func authority(uri: String, host: String?, expected: String) {
            #expect(makeFacts(uri, host: host).authority == expected)
        }

        @Test("CONNECT names its authority in the URI and has no path")
        func connect() {
            let facts = makeFacts("Tunnel.example:443", host: nil, method: .CONNECT)
            #expect(facts.authority == "tunnel.example:443")
            #expect(facts.path.isEmpty)
            #expect(facts.method == "CONNECT")
        }
    }
}
