import MeshModel
import Testing

/// RequestAuthentication decoding and validation, and the AuthorizationPolicy fields that read a
/// verified JWT (`requestPrincipals`, `request.auth.*`).
@Suite("RequestAuthentication validation")
struct RequestAuthenticationValidationTests {
    static let jwks = #"{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"a\", \"y\": \"b\"}]}"#

    static let cases: [ValidationCase] = [
        // Istio's sample, every field meshbox takes.
        .init(
            .requestAuthentication,
            """
            {selector: {matchLabels: {istio: ingressgateway}}, jwtRules: [{issuer: "testing@secure.istio.io",
             jwksUri: "https://raw.githubusercontent.com/istio/istio/release-1.24/security/tools/jwt/samples/jwks.json",
             audiences: [app], fromHeaders: [{name: x-jwt, prefix: "Bearer "}], fromParams: [token], fromCookies: [session],
             forwardOriginalToken: true, outputPayloadToHeader: x-jwt-payload,
             outputClaimToHeaders: [{header: x-group, claim: group}], timeout: 3s}]}
            """,
            []
        ),
        .init(.requestAuthentication, "{jwtRules: [{issuer: a, jwks: \"\(jwks)\"}]}", []),
        .init(.requestAuthentication, "{}", []),
        .init(
            .requestAuthentication, "{jwtRules: [{issuer: a, jwksUri: \"https://a/k\", algorithm: RS256}]}",
            ["spec.jwtRules[0].algorithm: unknown field"]
        ),
        .init(
            .requestAuthentication, "{targetRef: {kind: Gateway, name: gw}}",
            ["spec.targetRef: not supported"]
        ),
        .init(
            .requestAuthentication, "{jwtRules: [{issuer: \"\", jwksUri: \"ftp://a/k\"}, {issuer: b}]}",
            [
                "spec.jwtRules[0].issuer: missing required field",
                "spec.jwtRules[0].jwksUri: \"ftp://a/k\": only http and https are fetched, not ftp",
                "spec.jwtRules[1]: one of jwks or jwksUri is required (keys are not discovered from the issuer)",
            ]
        ),
        .init(
            .requestAuthentication,
            "{jwtRules: [{issuer: a, jwks: \"{}\"}, {issuer: a, jwks: \"nope\", fromHeaders: [{name: \"x y\"}], timeout: soon}]}",
            [
                "spec.jwtRules[0].jwks: a JSON Web Key Set needs a \"keys\" list",
                "spec.jwtRules[1].issuer: issuer \"a\" is already jwtRules[0]'s",
                "spec.jwtRules[1].jwks: not a JSON document",
                "spec.jwtRules[1].fromHeaders[0].name: \"x y\" is not a header name",
                "spec.jwtRules[1].timeout: invalid duration \"soon\", expected a number with a unit such as 100ms, 1.5s, 2m or 1h",
            ]
        ),
        .init(
            .requestAuthentication,
            "{jwtRules: [{issuer: a, jwksUri: \"http://127.0.0.1:1/k\", outputClaimToHeaders: [{header: x-a, claim: \"\"}]}]}",
            ["spec.jwtRules[0].outputClaimToHeaders[0].claim: missing required field"]
        ),
        .init(
            .authorizationPolicy,
            """
            {rules: [{from: [{source: {requestPrincipals: ["issuer/*"], notRequestPrincipals: [bad/x]}}],
             when: [{key: request.auth.principal, values: [a]}, {key: request.auth.audiences, values: [b]},
                    {key: request.auth.presenter, values: [c]}, {key: "request.auth.claims[groups]", values: [d]},
                    {key: "request.auth.claims[realm][roles]", notValues: [e]}]}]}
            """,
            []
        ),
        .init(
            .authorizationPolicy, "{rules: [{when: [{key: request.auth.subject, values: [a]}]}]}",
            [
                "spec.rules[0].when[0].key: unknown key \"request.auth.subject\", expected one of connection.sni, destination.ip, destination.port, remote.ip, request.auth.audiences, request.auth.presenter, request.auth.principal, source.ip, source.namespace, source.principal, request.headers[<name>], request.auth.claims[<name>]"
            ]
        ),
    ]

    @Test("fields are checked with their paths; unknown and unsupported fields are refused", arguments: cases)
    func validates(_ testCase: ValidationCase) {
        #expect(validation(testCase.kind, testCase.spec) == testCase.expected)
    }

    @Test("claim keys name one or more nested claims", arguments: [
        ("request.auth.claims[groups]", ["groups"]),
        ("request.auth.claims[realm][roles]", ["realm", "roles"]),
        ("request.auth.claims[a.b]", ["a.b"]),
        ("request.auth.claims", nil),
        ("request.auth.claims[]", nil),
        ("request.auth.claims[a]x", nil),
        ("request.auth.claims[a[b]]", nil),
    ] as [(String, [String]?)])
    func claimPaths(_ key: String, _ names: [String]?) {
        #expect(AuthorizationClaimPath(key: key)?.names == names)
    }

    @Test("the reference evaluator matches requestPrincipals and request.auth conditions against the JWT")
    func evaluatorReadsTheToken() throws {
        let policy = try ResourceDecoder.decode(
            """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: jwt}
            spec:
              rules:
              - from: [{source: {requestPrincipals: ["https://issuer/*"]}}]
                when:
                - {key: "request.auth.claims[realm][roles]", values: [admin]}
                - {key: request.auth.audiences, values: [shop]}
            """)
        func request(principal: String?, claims: JSONValue?) -> AuthorizationRequest {
            AuthorizationRequest(
                workloadNamespace: "default", host: "a", method: "GET", path: "/", requestPrincipal: principal,
                requestClaims: claims)
        }
        let admin: JSONValue = .object(["aud": .array([.string("shop")]), "realm": .object(["roles": .array([.string("admin")])])])
        let user: JSONValue = .object(["aud": .string("shop"), "realm": .object(["roles": .array([.string("user")])])])
        #expect(AuthorizationEvaluator.evaluate(request(principal: "https://issuer/alice", claims: admin), policies: policy).allowed)
        #expect(!AuthorizationEvaluator.evaluate(request(principal: "https://issuer/bob", claims: user), policies: policy).allowed)
        #expect(!AuthorizationEvaluator.evaluate(request(principal: nil, claims: nil), policies: policy).allowed)
        #expect(!AuthorizationEvaluator.evaluate(request(principal: "https://other/alice", claims: admin), policies: policy).allowed)
    }
}

