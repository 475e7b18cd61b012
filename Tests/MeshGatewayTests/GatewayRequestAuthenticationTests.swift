import Foundation
import MeshModel
import MeshNet
import MeshTesting
import Testing

/// RequestAuthentication enforced by the real gateway on real connections: tokens signed at run
/// time by test issuers (RS256, ES256), Istio's semantics (no token passes, an invalid one gets
/// 401 with Envoy's reason in the access log), the token's removal and outputs, and
/// AuthorizationPolicy `requestPrincipals` and `request.auth.*` on the verified token.
@Suite("Gateway RequestAuthentication")
struct GatewayRequestAuthenticationTests {
    static let issuerRS = "https://rs.issuer.test"
    static let issuerES = "https://es.issuer.test"

    /// A RequestAuthentication with one rule per issuer, keys inline.
    static func requestAuthentication(_ issuers: [TestJWTIssuer], audiences: [String] = [], extra: String = "") -> String {
        let rules = issuers.map { issuer in
            let jwks = issuer.jwks.replacingOccurrences(of: "'", with: "''")
            return "  - {issuer: \"\(issuer.issuer)\", audiences: [\(audiences.joined(separator: ", "))], jwks: '\(jwks)'\(extra)}"
        }.joined(separator: "\n")
        return """
            ---
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {name: jwt, namespace: default}
            spec:
              jwtRules:
            \(rules)

            """
    }

    static func bearer(_ token: String) -> [(String, String)] { [("authorization", "Bearer \(token)")] }

    @Test("RS256 and ES256 tokens of the configured issuers are accepted; no token passes; the token is not forwarded")
    func acceptsValidTokens() async throws {
        let rs = try await TestJWTIssuer(issuer: Self.issuerRS, keyID: "rs-1", algorithm: .rs256)
        let es = try await TestJWTIssuer(issuer: Self.issuerES, keyID: "es-1", algorithm: .es256)
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let report = try await harness.serveExactly(
            harness.authorizationGateway() + Self.requestAuthentication([rs, es], audiences: ["shop"]),
            backends: backends)
        #expect(report.problems.isEmpty, "\(report.problems)")
        let client = try await harness.client()
        let rsToken = try await rs.token(subject: "alice", audiences: ["shop"])
        let esToken = try await es.token(subject: "bob", audiences: ["other", "shop"])
        #expect(try await client.send("GET", "/rs", host: harness.host, headers: Self.bearer(rsToken)).status == 200)
        #expect(try await client.send("GET", "/es", host: harness.host, headers: Self.bearer(esToken)).status == 200)
        #expect(try await client.send("GET", "/none", host: harness.host).status == 200)
        #expect(try await client.send("GET", "/param?access_token=\(esToken)", host: harness.host).status == 200)
        // A request without a token passes too: a bad token in the default parameter shows it is read.
        #expect(try await client.send("GET", "/param?access_token=not.a.jwt", host: harness.host).status == 401)
        await client.close()
        #expect(backends[0].received.map(\.uri) == ["/rs", "/es", "/none", "/param?access_token=\(esToken)"])
        #expect(backends[0].received.allSatisfy { $0.header("authorization") == nil })
        await harness.shutdown(backends)
    }

    @Test("expired, wrong audience, wrong issuer, bad signature and malformed tokens get 401 with the reason in the access log")
    func refusesInvalidTokens() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-gw-jwt")
        defer { directory.remove() }
        let path = directory.path + "/access.log"
        let rs = try await TestJWTIssuer(issuer: Self.issuerRS, keyID: "rs-1", algorithm: .rs256)
        let es = try await TestJWTIssuer(issuer: Self.issuerES, keyID: "es-1", algorithm: .es256)
        // Same issuer and kid as `es`, another key: its tokens carry a signature `es`'s key does not verify.
        let forger = try await TestJWTIssuer(issuer: Self.issuerES, keyID: "es-1", algorithm: .es256)
        let harness = try await GatewayHarness(accessLog: try AccessLogTarget(path: path))
        let backends = try await harness.backends(["v1"])
        try await harness.serveExactly(
            harness.authorizationGateway() + Self.requestAuthentication([rs, es], audiences: ["shop"]),
            backends: backends)
        let cases: [(String, String, String)] = [
            ("/expired", try await rs.token(subject: "a", audiences: ["shop"], expiresIn: -600), "Jwt is expired"),
            ("/audience", try await es.token(subject: "a", audiences: ["bank"]), "Audiences in Jwt are not allowed"),
            ("/issuer", try await rs.token(subject: "a", audiences: ["shop"], issuer: "https://evil.test"),
             "Jwt issuer is not configured"),
            ("/signature", try await forger.token(subject: "a", audiences: ["shop"]), "Jwt verification fails"),
            ("/malformed", "not.a-token", "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"),
        ]
        let client = try await harness.client()
        for (path, token, reason) in cases {
            let response = try await client.send("GET", path, host: harness.host, headers: Self.bearer(token))
            #expect(response.status == 401, "\(path)")
            #expect(response.text == reason, "\(path)")
            #expect(response.header("www-authenticate")?.contains("error=\"invalid_token\"") == true, "\(path)")
        }
        await client.close()
        #expect(backends[0].requestCount == 0)
        try await eventually("every refusal in the access log with its reason", timeout: .seconds(15)) {
            let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
            return cases.allSatisfy { path, _, reason in
                let details = "jwt_authn_access_denied{" + reason.replacingOccurrences(of: " ", with: "_") + "}"
                return lines.contains {
                    $0.contains("\"path\":\"\(path)\"") && $0.contains("\"response_code\":401")
                        && $0.contains("\"response_code_details\":\"\(details)\"")
                }
            }
        }
        await harness.shutdown(backends)
    }

    @Test("requestPrincipals allow the named iss/sub and deny others (403) and requests without a token")
    func requestPrincipals() async throws {
        let es = try await TestJWTIssuer(issuer: Self.issuerES, keyID: "es-1", algorithm: .es256)
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let policy = GatewayHarness.authorizationPolicy(
            "alice-only",
            "{rules: [{from: [{source: {requestPrincipals: [\"\(Self.issuerES)/alice\"]}}]}]}")
        let admins = GatewayHarness.authorizationPolicy(
            "admins",
            "{rules: [{to: [{operation: {paths: [\"/admin\"]}}], when: [{key: \"request.auth.claims[realm][roles]\", values: [admin]}]}]}")
        try await harness.serveExactly(
            harness.authorizationGateway() + Self.requestAuthentication([es]) + policy + admins, backends: backends)
        let alice = try await es.token(subject: "alice")
        let bob = try await es.token(
            subject: "bob", extra: ["realm": .object(["roles": .array([.string("admin"), .string("user")])])])
        let statuses = try await GatewayAuthorizationTests.statuses(
            harness,
            [("GET", "/a", Self.bearer(alice)), ("GET", "/b", Self.bearer(bob)), ("GET", "/c", []),
             ("GET", "/admin", Self.bearer(bob))])
        #expect(statuses == [200, 403, 403, 200])
        await harness.shutdown(backends)
    }

    @Test("notRequestPrincipals in a DENY policy refuses requests without a token (403), lets a verified one through")
    func notRequestPrincipals() async throws {
        let es = try await TestJWTIssuer(issuer: Self.issuerES, keyID: "es-1", algorithm: .es256)
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let policy = GatewayHarness.authorizationPolicy(
            "require-jwt", "{action: DENY, rules: [{from: [{source: {notRequestPrincipals: [\"*\"]}}]}]}")
        try await harness.serveExactly(
            harness.authorizationGateway() + Self.requestAuthentication([es]) + policy, backends: backends)
        let token = try await es.token(subject: "erin")
        let statuses = try await GatewayAuthorizationTests.statuses(
            harness, [("GET", "/", []), ("GET", "/", Self.bearer(token))])
        #expect(statuses == [403, 200])
        await harness.shutdown(backends)
    }

    @Test("over HTTP/2 (h2c) a valid token is accepted and removed, an invalid one gets 401")
    func http2() async throws {
        let es = try await TestJWTIssuer(issuer: Self.issuerES, keyID: "es-1", algorithm: .es256)
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        try await harness.serveExactly(
            harness.authorizationGateway() + Self.requestAuthentication([es]), backends: backends)
        let url = "http://\(harness.host):\(harness.port)"
        let resolve = "\(harness.host):\(harness.port):127.0.0.1"
        func curl(_ path: String, _ token: String) async throws -> String {
            try await GatewayTLSTests.run(
                "curl",
                ["-sS", "--max-time", "10", "--http2-prior-knowledge", "--resolve", resolve, "-H",
                 "authorization: Bearer \(token)", "-w", " %{http_version} %{response_code}", url + path]
            ).output
        }
        #expect(try await curl("/ok", try await es.token(subject: "dave")) == "v1 2 200")
        #expect(try await curl("/bad", try await es.token(subject: "dave", expiresIn: -600)) == "Jwt is expired 2 401")
        #expect(backends[0].received.map(\.uri) == ["/ok"])
        #expect(backends[0].received.first?.header("authorization") == nil)
        await harness.shutdown(backends)
    }

    @Test("fromHeaders with a prefix, forwardOriginalToken, outputPayloadToHeader and outputClaimToHeaders")
    func outputs() async throws {
        let rs = try await TestJWTIssuer(issuer: Self.issuerRS, keyID: "rs-1", algorithm: .rs256)
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let extra = """
            , fromHeaders: [{name: x-jwt, prefix: "Token "}], forwardOriginalToken: true, \
            outputPayloadToHeader: x-jwt-payload, outputClaimToHeaders: [{header: x-user, claim: sub}]
            """
        try await harness.serveExactly(
            harness.authorizationGateway() + Self.requestAuthentication([rs], extra: extra), backends: backends)
        let token = try await rs.token(subject: "carol")
        let client = try await harness.client()
        #expect(try await client.send("GET", "/ok", host: harness.host, headers: [("x-jwt", "Token \(token)")]).status == 200)
        // The default location is not configured for this rule: the Authorization header is not read.
        #expect(try await client.send("GET", "/other", host: harness.host, headers: Self.bearer("garbage")).status == 200)
        await client.close()
        let received = try #require(backends[0].received.first)
        #expect(received.header("x-jwt") == "Token \(token)")
        #expect(received.header("x-user") == "carol")
        let payload = String(token.split(separator: ".")[1])
        #expect(received.header("x-jwt-payload") == payload)
        await harness.shutdown(backends)
    }
}
