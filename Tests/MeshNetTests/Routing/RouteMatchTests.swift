import MeshModel
import MeshNet
import NIOHTTP1
import Testing

extension RoutingTests {
    @Suite("RouteMatch")
    struct RouteMatchTests {
        static func matches(_ match: Snapshot.RouteMatch, _ facts: RequestFacts) -> Bool {
            CompiledRoute(makeRoute(match: match)).matches(facts)
        }

        @Test(
            "path prefix, exact and regex, with and without case",
            arguments: [
                (Snapshot.RouteMatch.PathMatch.prefix("/api"), true, "/api/x?q=1", true),
                (.prefix("/api"), true, "/apix", true),
                (.prefix("/api/"), true, "/api", false),
                (.prefix("/api"), true, "/API/x", false),
                (.prefix("/api"), false, "/API/x", true),
                (.prefix("/"), true, "/anything", true),
                (.exact("/login"), true, "/login?next=/", true),
                (.exact("/login"), true, "/login/", false),
                (.exact("/Login"), false, "/LOGIN", true),
                (.exact("/Login"), true, "/login", false),
                (.regex("/users/[0-9]+"), true, "/users/42?x=1", true),
                (.regex("/users/[0-9]+"), true, "/users/42/posts", false),
                (.regex("/users/[0-9]+"), true, "/v1/users/42", false),
                (.regex("/Users/.*"), false, "/users/a", false),
            ]
        )
        func path(_ path: Snapshot.RouteMatch.PathMatch, caseSensitive: Bool, uri: String, expected: Bool) {
            let match = Snapshot.RouteMatch(path: path, caseSensitive: caseSensitive)
            #expect(Self.matches(match, makeFacts(uri)) == expected)
        }

        @Test(
            "header matchers: presence, exact, prefix, suffix, regex and invert",
            arguments: [
                (Snapshot.HeaderMatcher(name: "x-user", match: nil), [("X-User", "")], true),
                (.init(name: "x-user", match: nil), [], false),
                (.init(name: "x-user", match: .exact("jason")), [("x-user", "jason")], true),
                (.init(name: "x-user", match: .exact("jason")), [("x-user", "Jason")], false),
                (.init(name: "x-user", match: .prefix("ja")), [("x-user", "jason")], true),
                (.init(name: "x-user", match: .suffix("son")), [("x-user", "jason")], true),
                (.init(name: "x-user", match: .suffix("son")), [("x-user", "jasper")], false),
                (.init(name: "x-v", match: .regex("v[0-9]")), [("x-v", "v2")], true),
                (.init(name: "x-v", match: .regex("v[0-9]")), [("x-v", "v22")], false),
                (.init(name: "x-v", match: .exact("a,b")), [("x-v", "a"), ("x-v", "b")], true),
                (.init(name: "x-user", match: .exact("jason"), invert: true), [("x-user", "jason")], false),
                (.init(name: "x-user", match: .exact("jason"), invert: true), [("x-user", "bob")], true),
                (.init(name: "x-user", match: .exact("jason"), invert: true), [], true),
                (.init(name: "x-user", match: nil, invert: true), [("x-user", "a")], false),
            ] as [(Snapshot.HeaderMatcher, [(String, String)], Bool)]
        )
        func header(_ matcher: Snapshot.HeaderMatcher, headers: [(String, String)], expected: Bool) {
            let match = Snapshot.RouteMatch(headers: [matcher])
            #expect(Self.matches(match, makeFacts("/", headers: headers)) == expected)
        }

        @Test(
            "pseudo-headers come from the request line, the authority and the scheme",
            arguments: [
                (Snapshot.HeaderMatcher(name: ":method", match: .exact("POST")), true),
                (.init(name: ":method", match: .exact("GET")), false),
                (.init(name: ":authority", match: .exact("shop.example:8080")), true),
                (.init(name: ":authority", match: .suffix(".example:8080")), true),
                (.init(name: ":scheme", match: .exact("https")), true),
                (.init(name: ":path", match: .exact("/cart?id=7")), true),
                (.init(name: ":path", match: .prefix("/cart")), true),
                (.init(name: ":method", match: .exact("POST"), invert: true), false),
            ]
        )
        func pseudoHeader(_ matcher: Snapshot.HeaderMatcher, expected: Bool) {
            let facts = makeFacts("/cart?id=7", host: "Shop.example:8080", method: .POST, scheme: "https")
            #expect(Self.matches(Snapshot.RouteMatch(headers: [matcher]), facts) == expected)
        }

        @Test(
            "query parameter matchers compare the first value, not decoded",
            arguments: [
                (Snapshot.QueryParameterMatcher(name: "debug", match: nil), "/?debug", true),
                (.init(name: "debug", match: nil), "/?debugger=1", false),
                (.init(name: "debug", match: nil), "/", false),
                (.init(name: "v", match: .exact("2")), "/?a=1&v=2", true),
                (.init(name: "v", match: .exact("2")), "/?v=1&v=2", false),
                (.init(name: "v", match: .prefix("be")), "/?v=beta", true),
                (.init(name: "v", match: .suffix("ta")), "/?v=beta", true),
                (.init(name: "v", match: .regex("[a-z]+")), "/?v=beta", true),
                (.init(name: "v", match: .regex("[a-z]+")), "/?v=beta2", false),
                (.init(name: "q", match: .exact("a%20b")), "/?q=a%20b", true),
                (.init(name: "q", match: .exact("")), "/?q=", true),
            ]
        )
        func queryParameter(_ matcher: Snapshot.QueryParameterMatcher, uri: String, expected: Bool) {
            #expect(Self.matches(Snapshot.RouteMatch(queryParameters: [matcher]), makeFacts(uri)) == expected)
        }

        @Test("every condition must hold")
        func allConditions() {
            let match = Snapshot.RouteMatch(
                path: .prefix("/api"),
                headers: [.init(name: "x-canary", match: .exact("1"))],
                queryParameters: [.init(name: "v", match: .exact("2"))]
            )
            #expect(Self.matches(match, makeFacts("/api?v=2", headers: [("x-canary", "1")])))
            #expect(!Self.matches(match, makeFacts("/api?v=2")))
            #expect(!Self.matches(match, makeFacts("/api?v=3", headers: [("x-canary", "1")])))
            #expect(!Self.matches(match, makeFacts("/web?v=2", headers: [("x-canary", "1")])))
        }
    }
}
