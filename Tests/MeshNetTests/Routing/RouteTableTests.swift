import MeshModel
import MeshNet
import Testing

extension RoutingTests {
    @Suite("RouteTable")
    struct RouteTableTests {
        static func host(_ name: String, _ domains: [String]) -> Snapshot.VirtualHost {
            Snapshot.VirtualHost(name: name, domains: domains, routes: [makeRoute("all")])
        }

        static let table = RouteTable(
            Snapshot.RouteConfiguration(
                name: "http.80",
                virtualHosts: [
                    host("exact", ["www.foo.com", "www.foo.com:8080"]),
                    host("suffix", ["*.foo.com"]),
                    host("longer-suffix", ["*.bar.foo.com"]),
                    host("dash-suffix", ["*-api.foo.com"]),
                    host("prefix", ["foo.*"]),
                    host("longer-prefix", ["foo.bar.*"]),
                    host("any", ["*"]),
                ]
            )
        )

        @Test(
            "domains match exact, then longest suffix, then longest prefix, then *",
            arguments: [
                ("www.foo.com", "exact"),
                ("WWW.Foo.COM", "exact"),
                ("www.foo.com:8080", "exact"),
                ("www.foo.com:9090", "any"),
                ("a.foo.com", "suffix"),
                ("a.foo.com:8080", "any"),
                ("x.bar.foo.com", "longer-suffix"),
                ("orders-api.foo.com", "dash-suffix"),
                ("foo.com", "prefix"),
                ("foo.bar.baz", "longer-prefix"),
                ("foo.example:8080", "prefix"),
                (".foo.com", "any"),
                ("other.org", "any"),
                ("", "any"),
            ]
        )
        func domainPrecedence(authority: String, expected: String) {
            let outcome = Self.table.match(makeFacts("/", host: authority.isEmpty ? nil : authority))
            #expect(describe(outcome) == "\(expected)/all")
            #expect(Self.table.problems.isEmpty)
        }

        @Test("without a * virtual host an unknown authority has no virtual host")
        func noVirtualHost() {
            let table = RouteTable(
                Snapshot.RouteConfiguration(name: "t", virtualHosts: [Self.host("a", ["a.com", "a.com:8080"])])
            )
            #expect(describe(table.match(makeFacts("/", host: "b.com"))) == "no virtual host")
            #expect(describe(table.match(makeFacts("/", host: "a.com:9090"))) == "no virtual host")
            #expect(table.virtualHost(for: "A.com:8080")?.name == "a")
            #expect(table.name == "t")
        }

        @Test("a virtual host without a matching route says so")
        func noRoute() {
            let virtualHost = Snapshot.VirtualHost(
                name: "a",
                domains: ["*"],
                routes: [makeRoute("api", match: .init(path: .prefix("/api")))]
            )
            let table = RouteTable(Snapshot.RouteConfiguration(name: "t", virtualHosts: [virtualHost]))
            #expect(describe(table.match(makeFacts("/web"))) == "a/no route")
            #expect(describe(table.match(makeFacts("/api/x"))) == "a/api")
        }

        @Test("a domain listed twice keeps its first virtual host and is reported")
        func duplicateDomain() {
            let table = RouteTable(
                Snapshot.RouteConfiguration(
                    name: "t",
                    virtualHosts: [Self.host("first", ["a.com"]), Self.host("second", ["A.com", "b.com"])]
                )
            )
            #expect(describe(table.match(makeFacts("/", host: "a.com"))) == "first/all")
            #expect(describe(table.match(makeFacts("/", host: "b.com"))) == "second/all")
            #expect(table.problems.count == 1)
            #expect(table.problems.first?.contains("a.com") == true)
        }

        @Test("the first matching route wins, whatever is more specific")
        func firstMatchWins() {
            let virtualHost = Snapshot.VirtualHost(
                name: "v",
                domains: ["*"],
                routes: [
                    makeRoute("broad", match: .init(path: .prefix("/api"))),
                    makeRoute("specific", match: .init(path: .exact("/api/users"))),
                    makeRoute("fallback"),
                ]
            )
            let table = RouteTable(Snapshot.RouteConfiguration(name: "t", virtualHosts: [virtualHost]))
            #expect(describe(table.match(makeFacts("/api/users"))) == "v/broad")
            #expect(describe(table.match(makeFacts("/web"))) == "v/fallback")
        }

        @Test("a route whose regex does not compile never matches and is reported")
        func brokenRegex() {
            let virtualHost = Snapshot.VirtualHost(
                name: "v",
                domains: ["*"],
                routes: [
                    makeRoute("bad-path", match: .init(path: .regex("/(unclosed"))),
                    makeRoute(
                        "bad-header",
                        match: .init(headers: [.init(name: "x", match: .regex("[z-a]"), invert: true)])
                    ),
                    makeRoute("bad-rewrite", regexRewrite: .init(pattern: "(", substitution: "/")),
                    makeRoute("good"),
                ]
            )
            let table = RouteTable(Snapshot.RouteConfiguration(name: "t", virtualHosts: [virtualHost]))
            #expect(describe(table.match(makeFacts("/(unclosed"))) == "v/good")
            #expect(table.problems.count == 3)
            #expect(table.problems.allSatisfy { $0.contains("route configuration 't'") })
        }
    }
}
