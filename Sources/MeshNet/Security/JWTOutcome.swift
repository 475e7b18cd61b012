import Foundation
import MeshModel
import NIOHTTP1

/// What RequestAuthentication made of one request: no token (it passes, as in Istio), a verified
/// token, or a token that failed a check (401).
enum JWTOutcome {
    case missing
    case verified(JWTIdentity, JWTHeaderEdits?)
    case failed(JWTFailure)
}

/// A verified token's facts, read by AuthorizationPolicy (`requestPrincipals`, `request.auth.*`).
struct JWTIdentity: Sendable {
    /// `iss/sub`, Istio's request principal.
    let principal: String
    let audiences: [String]
    /// `azp`.
    let presenter: String?
    let claims: JSONValue

    /// The claim `names` lead to (`["a", "b"]` is `claims.a.b`), as the strings a condition matches:
    /// a string, each string of a list, or a boolean's or number's text.
    func claimValues(_ names: [String]) -> [String] {
        var value: JSONValue? = claims
        for name in names { value = value?[name] }
        switch value {
        case .string(let text)?: return [text]
        case .array(let values)?: return values.compactMap(\.stringValue)
        case .bool(let flag)?: return [flag ? "true" : "false"]
        case .int(let number)?: return [String(number)]
        default: return []
        }
    }
}

/// Why a token was refused, in Envoy's jwt_authn words: `message` is the 401's body, `details`
/// the access log's `response_code_details` (`jwt_authn_access_denied{Jwt_is_expired}`).
struct JWTFailure: Error, Sendable, Equatable {
    let message: String

    var details: String {
        "jwt_authn_access_denied{" + message.replacingOccurrences(of: " ", with: "_") + "}"
    }

    static let badFormat = JWTFailure(
        message: "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections")
    static let unknownIssuer = JWTFailure(message: "Jwt issuer is not configured")
    static let expired = JWTFailure(message: "Jwt is expired")
    static let notYetValid = JWTFailure(message: "Jwt not yet valid")
    static let audienceNotAllowed = JWTFailure(message: "Audiences in Jwt are not allowed")
    static let verificationFailed = JWTFailure(message: "Jwt verification fails")
    static let noMatchingKey = JWTFailure(message: "Jwks doesn't have key to match kid or alg from Jwt")
    static let noKeys = JWTFailure(message: "Jwks remote fetch is failed")
}

/// How a verified token changes the request forwarded upstream: the token's header removed
/// (unless `forwardOriginalToken`), the payload and claims added as headers.
struct JWTHeaderEdits {
    var remove: [String] = []
    var set: [(String, String)] = []

    var isEmpty: Bool { remove.isEmpty && set.isEmpty }

    func apply(to headers: inout HTTPHeaders) {
        for name in remove { headers.remove(name: name) }
        for (name, value) in set { headers.replaceOrAdd(name: name, value: value) }
    }
}
