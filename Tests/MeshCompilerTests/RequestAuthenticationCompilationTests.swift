import Foundation
import MeshAPI
import MeshCompiler
import MeshModel
import Testing

/// Which RequestAuthentications a gateway chain checks, and the keys it gets: inline, fetched by
/// URI (`jwks` input), or none yet (with a warning).
@Suite("SnapshotCompiler: RequestAuthentication on gateway chains")
struct RequestAuthenticationCompilationTests {
    static let keys = #"{"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}]}"#

    static func requestAuthentication(_ name: String, in namespace: String, _ spec: String) -> String {
        "\n---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: \(name), namespace: \(namespace)}\nspec: \(spec)\n"
    }

    static func providers(_ yaml: String, jwks: [String: String] = [:]) throws -> (
        providers: [Snapshot.JWTProvider], warnings: [String]
    ) {
        let snapshot = SnapshotCompiler.compile(
            config: try Fixtures.config(yaml), registry: Fixtures.registry(Fixtures.reviewsInstances()), version: 1,
            jwks: jwks)
        let chain = try #require(snapshot.listener(named: "0.0.0.0_8080")?.filterChains.first)
        return (chain.requestAuthentication?.providers ?? [], snapshot.warnings.map(\.description))
    }

    @Test("root-namespace and gateway-namespace resources whose selector matches the Gateway's apply, rule by rule")
    func selection() throws {
        let yaml =
            try Fixtures.bookinfo()
            + Self.requestAuthentication(
                "mesh", in: "istio-system",
                "{jwtRules: [{issuer: a, jwks: '\(Self.keys)'}, {issuer: b, jwks: '\(Self.keys)', forwardOriginalToken: true}]}")
            + Self.requestAuthentication(
                "other-gateway", in: "default",
                "{selector: {matchLabels: {istio: egressgateway}}, jwtRules: [{issuer: c, jwks: '\(Self.keys)'}]}")
            + Self.requestAuthentication("elsewhere", in: "shop", "{jwtRules: [{issuer: d, jwks: '\(Self.keys)'}]}")
        let (providers, _) = try Self.providers(yaml)
        #expect(providers.map(\.issuer) == ["a", "b"])
        #expect(providers.map(\.rule) == [0, 1])
        #expect(providers.map(\.forwardOriginalToken) == [false, true])
        #expect(providers.allSatisfy { $0.jwks == Self.keys && $0.policy.name == "mesh" })
        #expect(try Self.providers(Fixtures.bookinfo()).providers.isEmpty)
    }

    @Test("a jwksUri takes the fetched key set; before any fetch the provider has no keys and the compiler warns")
    func fetchedKeys() throws {
        let uri = "https://issuer.test/jwks.json"
        let yaml = try Fixtures.bookinfo() + Self.requestAuthentication("users", in: "default", "{jwtRules: [{issuer: a, jwksUri: \"\(uri)\"}]}")
        let fetched = try Self.providers(yaml, jwks: [uri: Self.keys])
        #expect(fetched.providers.map(\.jwks) == [Self.keys])
        #expect(!fetched.warnings.contains { $0.contains("no keys fetched") })
        let unfetched = try Self.providers(yaml)
        #expect(unfetched.providers.count == 1 && unfetched.providers[0].jwks == nil)
        #expect(
            unfetched.warnings.contains {
                $0.contains("RequestAuthentication default/users: spec.jwtRules[0].jwksUri: no keys fetched from \(uri) yet")
            }, "\(unfetched.warnings)")
    }
}
