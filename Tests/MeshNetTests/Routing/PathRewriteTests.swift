import MeshModel
import MeshNet
import Testing

extension RoutingTests {
    @Suite("PathRewrite")
    struct PathRewriteTests {
        @Test(
            "a prefix rewrite replaces the matched prefix, or the whole path of other matches, and keeps the query",
            arguments: [
                (Snapshot.RouteMatch(path: .prefix("/api/")), "/", "/api/users?page=2", "/users?page=2"),
                (.init(path: .prefix("/api")), "/v2", "/api/users", "/v2/users"),
                (.init(path: .prefix("/api")), "/", "/api/users", "//users"),
                (.init(path: .prefix("/API"), caseSensitive: false), "/v2", "/api/x", "/v2/x"),
                (.init(path: .prefix("/")), "/base/", "/x?y", "/base/x?y"),
                (.init(path: .exact("/login")), "/auth/login", "/login?next=%2F", "/auth/login?next=%2F"),
                (.init(path: .regex("/old/.*")), "/new", "/old/a/b?q", "/new?q"),
            ]
        )
        func prefixRewrite(match: Snapshot.RouteMatch, rewrite: String, uri: String, expected: String) {
            let route = CompiledRoute(makeRoute(match: match, prefixRewrite: rewrite))
            #expect(route.matches(makeFacts(uri)))
            #expect(route.rewrittenPath(makeFacts(uri)) == expected)
        }

        @Test(
            "a regex rewrite substitutes every match, with groups, and keeps the query",
            arguments: [
                ("^/service/([^/]+)(/.*)$", "\\2/instance/\\1", "/service/foo/v1/api?q=1", "/v1/api/instance/foo?q=1"),
                ("/v[0-9]+/", "/latest/", "/v1/a/v22/b", "/latest/a/latest/b"),
                ("^/(.*)$", "/prefix/\\1\\\\", "/x", "/prefix/x\\"),
                ("^/nomatch$", "/y", "/x?z", "/x?z"),
                ("^/(a)$", "/\\0-\\1-\\7", "/a", "//a-a-"),
            ]
        )
        func regexRewrite(pattern: String, substitution: String, uri: String, expected: String) {
            let route = CompiledRoute(makeRoute(regexRewrite: .init(pattern: pattern, substitution: substitution)))
            #expect(route.rewrittenPath(makeFacts(uri)) == expected)
        }

        @Test("without a rewrite the path stays and the host rewrite comes from the action")
        func noRewrite() {
            #expect(CompiledRoute(makeRoute()).rewrittenPath(makeFacts("/a?b")) == nil)
            #expect(CompiledRoute(makeRoute()).hostRewrite == nil)
            let route = CompiledRoute(
                Snapshot.Route(
                    name: "h",
                    match: .all,
                    action: .route(.init(weightedClusters: [.init(name: "c", weight: 1)], hostRewrite: "internal.svc"))
                )
            )
            #expect(route.hostRewrite == "internal.svc")
        }
    }
}
