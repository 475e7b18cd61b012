import Foundation

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
