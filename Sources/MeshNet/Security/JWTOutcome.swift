/// What RequestAuthentication made of one request: no token (it passes, as in Istio), a verified
/// token, or a token that failed a check (401).
enum JWTOutcome {
    case missing
    case verified(JWTIdentity, JWTHeaderEdits?)
    case failed(JWTFailure)
}
