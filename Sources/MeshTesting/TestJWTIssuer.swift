import CryptoExtras
public import Foundation
import JWTKit
public import MeshModel

/// A JWT issuer made at run time for tests: a fresh RS256 or ES256 key, its public JSON Web Key
/// Set (what a RequestAuthentication's `jwks` or a `jwksUri` serves), and tokens it signs.
public struct TestJWTIssuer: Sendable {
    public enum Algorithm: String, Sendable {
        case rs256 = "RS256"
        case es256 = "ES256"
    }

    public let issuer: String
    public let keyID: String
    public let algorithm: Algorithm
    /// `{"keys": [<the public key>]}`.
    public let jwks: String
    private let keys: JWTKeyCollection

    public init(issuer: String, keyID: String, algorithm: Algorithm) async throws {
        self.issuer = issuer
        self.keyID = keyID
        self.algorithm = algorithm
        let keys = JWTKeyCollection()
        let kid = JWKIdentifier(string: keyID)
        let key: [String: String]
        switch algorithm {
        case .rs256:
            let privateKey = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
            await keys.add(rsa: privateKey, digestAlgorithm: .sha256, kid: kid)
            let (modulus, exponent) = try privateKey.publicKey.getKeyPrimitives()
            key = ["kty": "RSA", "n": Self.base64URL(modulus), "e": Self.base64URL(exponent)]
        case .es256:
            let privateKey = ES256PrivateKey()
            await keys.add(ecdsa: privateKey, kid: kid)
            guard let parameters = privateKey.parameters else { throw TestJWTIssuerError() }
            key = ["kty": "EC", "crv": "P-256", "x": parameters.x, "y": parameters.y]
        }
        var fields = key
        fields["kid"] = keyID
        fields["alg"] = algorithm.rawValue
        fields["use"] = "sig"
        let data = try JSONSerialization.data(withJSONObject: ["keys": [fields]], options: [.sortedKeys])
        self.jwks = String(decoding: data, as: UTF8.self)
        self.keys = keys
    }

    /// A token with `iss` (this issuer unless `issuer` says otherwise), `sub`, `aud`, `iat`, `exp`
    /// `expiresIn` from now (negative: already expired) and any `extra` claims.
    public func token(
        subject: String, audiences: [String] = [], expiresIn: TimeInterval = 3600, issuer: String? = nil,
        extra: [String: JSONValue] = [:]
    ) async throws -> String {
        let now = Date().timeIntervalSince1970
        var claims: [String: JSONValue] = [
            "iss": .string(issuer ?? self.issuer), "sub": .string(subject), "iat": .int(Int64(now)),
            "exp": .int(Int64(now + expiresIn)),
        ]
        if audiences.count == 1 { claims["aud"] = .string(audiences[0]) }
        if audiences.count > 1 { claims["aud"] = .array(audiences.map(JSONValue.string)) }
        claims.merge(extra) { _, new in new }
        return try await keys.sign(Claims(value: .object(claims)), kid: JWKIdentifier(string: keyID))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Any claims; jwt-kit's own checks are not wanted (the gateway's are what tests look at).
    private struct Claims: JWTPayload {
        let value: JSONValue

        init(value: JSONValue) { self.value = value }
        init(from decoder: any Decoder) throws { value = try JSONValue(from: decoder) }
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}

struct TestJWTIssuerError: Error {}
