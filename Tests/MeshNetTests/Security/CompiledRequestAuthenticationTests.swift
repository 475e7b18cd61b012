import Foundation
import MeshModel
import MeshTesting
import NIOHTTP1
import Testing

@testable import MeshNet

/// Token location, signature and claim checks of one chain's RequestAuthentication, without sockets.
@Suite("CompiledRequestAuthentication")
struct CompiledRequestAuthenticationTests {
    static let key = ResourceKey(kind: .requestAuthentication, namespace: "default", name: "jwt")

    static func compiled(_ issuer: TestJWTIssuer, jwks: String?, rule: RequestAuthenticationSpec.JWTRule? = nil) async
        -> CompiledRequestAuthentication
    {
        let provider = Snapshot.JWTProvider(
            policy: key, index: 0, rule: rule ?? .init(issuer: issuer.issuer, audiences: ["shop"]), jwks: jwks)
        let keys = await jwks.asyncMap { await JWTKeySet.prepare($0) }
        return CompiledRequestAuthentication(providers: [
            .init(
                policy: key, rule: 0, issuer: provider.issuer, audiences: provider.audiences, keys: keys,
                locations: CompiledRequestAuthentication.locations(of: provider),
                forwardOriginalToken: provider.forwardOriginalToken,
                outputPayloadToHeader: provider.outputPayloadToHeader,
                outputClaimToHeaders: provider.outputClaimToHeaders)
        ])
    }

    static func outcome(
        _ authentication: CompiledRequestAuthentication, headers: [(String, String)] = [], query: Substring? = nil,
        now: Double = Date().timeIntervalSince1970
    ) -> String {
        switch authentication.authenticate(headers: HTTPHeaders(headers), query: query, now: now) {
        case .missing: return "missing"
        case .verified(let identity, _): return "verified \(identity.principal)"
        case .failed(let failure): return failure.message
        }
    }

    @Test("exp and nbf allow 60 seconds of clock skew, and no more")
    func clockSkew() async throws {
        let issuer = try await TestJWTIssuer(issuer: "https://i.test", keyID: "k", algorithm: .es256)
        let authentication = await Self.compiled(issuer, jwks: issuer.jwks)
        let now = Date().timeIntervalSince1970
        let token = try await issuer.token(subject: "s", audiences: ["shop"], expiresIn: 100, extra: ["nbf": .int(Int64(now) + 30)])
        let bearer = [("Authorization", "bearer \(token)")]
        #expect(Self.outcome(authentication, headers: bearer, now: now) == "verified https://i.test/s")
        #expect(Self.outcome(authentication, headers: bearer, now: now - 120) == "Jwt not yet valid")
        #expect(Self.outcome(authentication, headers: bearer, now: now + 100 + 59) == "verified https://i.test/s")
        #expect(Self.outcome(authentication, headers: bearer, now: now + 100 + 61) == "Jwt is expired")
    }

    @Test("keys: a set without kid or alg still verifies; another kid, no keys and alg none do not")
    func keys() async throws {
        let issuer = try await TestJWTIssuer(issuer: "https://i.test", keyID: "k", algorithm: .rs256)
        let token = try await issuer.token(subject: "s", audiences: ["shop"])
        let bearer = [("authorization", "Bearer \(token)")]
        let bare = issuer.jwks.replacingOccurrences(of: #""kid":"k","#, with: "")
            .replacingOccurrences(of: #""alg":"RS256","#, with: "")
        #expect(!bare.contains("kid") && !bare.contains("RS256"))
        #expect(Self.outcome(await Self.compiled(issuer, jwks: bare), headers: bearer) == "verified https://i.test/s")
        let renamed = issuer.jwks.replacingOccurrences(of: #""kid":"k""#, with: #""kid":"other""#)
        #expect(
            Self.outcome(await Self.compiled(issuer, jwks: renamed), headers: bearer)
                == "Jwks doesn't have key to match kid or alg from Jwt")
        #expect(Self.outcome(await Self.compiled(issuer, jwks: nil), headers: bearer) == "Jwks remote fetch is failed")
        let unsigned = "eyJhbGciOiJub25lIn0." + token.split(separator: ".")[1] + "."
        #expect(
            Self.outcome(await Self.compiled(issuer, jwks: issuer.jwks), headers: [("authorization", "Bearer \(unsigned)")])
                == "Jwks doesn't have key to match kid or alg from Jwt")
    }

    @Test("tokens are found in the configured header, parameter or cookie; elsewhere they are not looked for")
    func locations() async throws {
        let issuer = try await TestJWTIssuer(issuer: "https://i.test", keyID: "k", algorithm: .es256)
        let token = try await issuer.token(subject: "s", audiences: ["shop"])
        let rule = RequestAuthenticationSpec.JWTRule(
            issuer: issuer.issuer, audiences: ["shop"], fromHeaders: [.init(name: "X-Token")], fromParams: ["t"],
            fromCookies: ["session"])
        let authentication = await Self.compiled(issuer, jwks: issuer.jwks, rule: rule)
        #expect(Self.outcome(authentication, headers: [("x-token", token)]) == "verified https://i.test/s")
        #expect(Self.outcome(authentication, query: Substring("a=1&t=\(token)")) == "verified https://i.test/s")
        #expect(Self.outcome(authentication, headers: [("cookie", "a=b; session=\(token)")]) == "verified https://i.test/s")
        #expect(Self.outcome(authentication, headers: [("authorization", "Bearer \(token)")]) == "missing")
        #expect(Self.outcome(authentication, query: Substring("access_token=\(token)")) == "missing")
        #expect(Self.outcome(authentication, headers: [("x-token", "a.b")]).hasPrefix("Jwt is not in the form"))
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async -> T) async -> T? {
        guard let value = self else { return nil }
        return await transform(value)
    }
}
