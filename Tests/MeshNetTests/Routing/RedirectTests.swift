import MeshModel
import MeshNet
import Testing

extension RoutingTests {
    @Suite("Redirect")
    struct RedirectTests {
        @Test(
            "the Location replaces scheme, host, port and path as Envoy does",
            arguments: [
                (Snapshot.RedirectAction(), "a.com", "http://a.com/p?q=1"),
                (.init(scheme: "https"), "a.com", "https://a.com/p?q=1"),
                (.init(scheme: "https"), "a.com:80", "https://a.com/p?q=1"),
                (.init(scheme: "https"), "a.com:8080", "https://a.com:8080/p?q=1"),
                (.init(host: "b.com"), "a.com:8080", "http://b.com/p?q=1"),
                (.init(port: 8443), "a.com:8080", "http://a.com:8443/p?q=1"),
                (.init(port: 80), "a.com:8080", "http://a.com/p?q=1"),
                (.init(scheme: "https", port: 443), "a.com:8080", "https://a.com/p?q=1"),
                (.init(scheme: "https", port: 8443), "a.com", "https://a.com:8443/p?q=1"),
                (.init(portFromRequest: true), "a.com", "http://a.com:9090/p?q=1"),
                (.init(port: 1, portFromRequest: true), "a.com", "http://a.com:9090/p?q=1"),
                (.init(host: "b.com", portFromRequest: true), "a.com", "http://b.com:9090/p?q=1"),
                (.init(path: "/new"), "a.com", "http://a.com/new?q=1"),
                (.init(path: "/new?x=2"), "a.com", "http://a.com/new?x=2"),
                (.init(scheme: "https", host: "b.com", port: 8443, path: "/n"), "a.com", "https://b.com:8443/n?q=1"),
                (.init(port: 9000), "[::1]:8080", "http://[::1]:9000/p?q=1"),
                (.init(scheme: "https"), "[::1]:80", "https://[::1]/p?q=1"),
            ]
        )
        func location(action: Snapshot.RedirectAction, host: String, expected: String) {
            let facts = makeFacts("/p?q=1", host: host, listenerPort: 9090)
            #expect(action.location(for: facts) == expected)
            let route = CompiledRoute(Snapshot.Route(name: "r", match: .all, action: .redirect(action)))
            #expect(route.redirectLocation(facts) == expected)
        }

        @Test("a request without a query gets none added")
        func noQuery() {
            #expect(
                Snapshot.RedirectAction(scheme: "https").location(for: makeFacts("/x", host: "a.com"))
                    == "https://a.com/x"
            )
        }

        @Test("a virtual host that requires TLS redirects plain HTTP only")
        func requireTLS() {
            let secure = CompiledVirtualHost(
                Snapshot.VirtualHost(name: "s", domains: ["*"], routes: [], requireTLS: true)
            )
            #expect(secure.tlsRedirectLocation(makeFacts("/a?b", host: "Shop.com")) == "https://shop.com/a?b")
            #expect(secure.tlsRedirectLocation(makeFacts("/a", host: "shop.com", scheme: "https")) == nil)
            let open = CompiledVirtualHost(Snapshot.VirtualHost(name: "o", domains: ["*"], routes: []))
            #expect(open.tlsRedirectLocation(makeFacts("/a")) == nil)
        }
    }
}
