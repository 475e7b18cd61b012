import MeshModel
import MeshNet
import NIOHTTP1
import Testing

extension RoutingTests {
    @Suite("CorsPolicy")
    struct CorsPolicyTests {
        static let policy = Snapshot.CorsPolicy(
            allowOrigins: [.exact("https://app.example"), .regex("https://[a-z]+\\.partner\\.io")],
            allowMethods: ["GET", "POST"],
            allowHeaders: ["content-type", "x-token"],
            exposeHeaders: ["x-request-id"],
            maxAge: .seconds(600),
            allowCredentials: true
        )

        static func preflight(origin: String) -> RequestFacts {
            makeFacts(
                "/api",
                method: .OPTIONS,
                headers: [("Origin", origin), ("Access-Control-Request-Method", "POST")]
            )
        }

        @Test("an allowed preflight is answered with the allowed methods, headers and max age")
        func preflightAllowed() {
            let decision = Self.policy.evaluate(Self.preflight(origin: "https://app.example"))
            #expect(decision.action == .answerPreflight)
            #expect(decision.headers["access-control-allow-origin"] == ["https://app.example"])
            #expect(decision.headers["access-control-allow-methods"] == ["GET,POST"])
            #expect(decision.headers["access-control-allow-headers"] == ["content-type,x-token"])
            #expect(decision.headers["access-control-max-age"] == ["600"])
            #expect(decision.headers["access-control-allow-credentials"] == ["true"])
            #expect(!decision.headers.contains(name: "access-control-expose-headers"))
        }

        @Test("an allowed actual request gets origin, credentials and exposed headers on its response")
        func simpleAllowed() {
            let facts = makeFacts("/api", method: .POST, headers: [("Origin", "https://shop.partner.io")])
            let decision = CompiledCorsPolicy(Self.policy).evaluate(facts)
            #expect(decision.action == .addToResponse)
            #expect(decision.headers["access-control-allow-origin"] == ["https://shop.partner.io"])
            #expect(decision.headers["access-control-allow-credentials"] == ["true"])
            #expect(decision.headers["access-control-expose-headers"] == ["x-request-id"])
            #expect(!decision.headers.contains(name: "access-control-allow-methods"))
        }

        @Test(
            "an origin that is not allowed gets nothing, preflight or not",
            arguments: ["https://evil.example", "https://app.example.evil", "http://app.example"]
        )
        func denied(origin: String) {
            #expect(Self.policy.evaluate(Self.preflight(origin: origin)) == .passThrough)
            #expect(Self.policy.evaluate(makeFacts("/", headers: [("Origin", origin)])) == .passThrough)
        }

        @Test("a request without Origin is not a CORS request")
        func noOrigin() {
            #expect(Self.policy.evaluate(makeFacts("/", method: .OPTIONS)) == .passThrough)
        }

        @Test("OPTIONS without Access-Control-Request-Method is an actual request")
        func optionsWithoutRequestMethod() {
            let facts = makeFacts("/", method: .OPTIONS, headers: [("Origin", "https://app.example")])
            #expect(Self.policy.evaluate(facts).action == .addToResponse)
        }

        @Test("a * origin allows every origin and echoes it; credentials only when allowed")
        func wildcard() {
            let policy = Snapshot.CorsPolicy(allowOrigins: [.exact("*")], allowMethods: ["GET"])
            let decision = policy.evaluate(
                makeFacts(
                    "/",
                    method: .OPTIONS,
                    headers: [
                        ("Origin", "https://any.where"), ("Access-Control-Request-Method", "GET"),
                    ]
                )
            )
            #expect(decision.action == .answerPreflight)
            #expect(decision.headers["access-control-allow-origin"] == ["https://any.where"])
            #expect(!decision.headers.contains(name: "access-control-allow-credentials"))
            #expect(!decision.headers.contains(name: "access-control-max-age"))
        }

        @Test("a route compiles its CORS policy")
        func routeCompilesPolicy() {
            let route = CompiledRoute(
                Snapshot.Route(
                    name: "c",
                    match: .all,
                    action: .route(.init(weightedClusters: [.init(name: "b", weight: 1)], cors: Self.policy))
                )
            )
            #expect(route.cors?.evaluate(Self.preflight(origin: "https://app.example")).action == .answerPreflight)
            #expect(CompiledRoute(makeRoute()).cors == nil)
        }
    }
}
