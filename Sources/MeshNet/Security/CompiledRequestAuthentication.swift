import JWTKit
import MeshModel
import NIOHTTP1

/// The RequestAuthentication of one HTTP filter chain, compiled once per snapshot: each provider
/// with its key set made (`JWTKeySet`), its token locations parsed.
///
/// Envoy's jwt_authn with Istio's requirement (`requires_any` of the providers, or missing): the
/// first location that holds a token gives the token; no token at all passes; a token whose
/// issuer no provider of that location has, or that fails its signature, `exp`/`nbf` (60 s of
/// clock skew, Envoy's default) or `aud` check, is refused.
final class CompiledRequestAuthentication: Sendable {
    enum Location: Sendable, Equatable {
        /// A header (lower-cased name) and the text before the token (lower-cased: compared ignoring case).
        case header(String, prefix: [UInt8])
        case parameter(String)
        case cookie(String)
    }

    struct Provider: Sendable {
        let policy: ResourceKey
        let rule: Int
        let issuer: String
        let audiences: [String]
        /// nil: the snapshot had no keys for it (a `jwksUri` never fetched), so its tokens fail.
        let keys: JWTKeySet?
        let locations: [Location]
        let forwardOriginalToken: Bool
        let outputPayloadToHeader: String?
        let outputClaimToHeaders: [RequestAuthenticationSpec.ClaimToHeader]
        /// `outputClaimToHeaders` with each claim split at its dots once, here, not per request.
        let claimOutputs: [(header: String, claim: [String])]

        init(
            policy: ResourceKey, rule: Int, issuer: String, audiences: [String], keys: JWTKeySet?,
            locations: [Location], forwardOriginalToken: Bool, outputPayloadToHeader: String?,
            outputClaimToHeaders: [RequestAuthenticationSpec.ClaimToHeader]
        ) {
            self.policy = policy
            self.rule = rule
            self.issuer = issuer
            self.audiences = audiences
            self.keys = keys
            self.locations = locations
            self.forwardOriginalToken = forwardOriginalToken
            self.outputPayloadToHeader = outputPayloadToHeader
            self.outputClaimToHeaders = outputClaimToHeaders
            claimOutputs = outputClaimToHeaders.map { ($0.header, $0.claim.split(separator: ".").map(String.init)) }
        }
    }

    static let clockSkewSeconds: Double = 60

    let providers: [Provider]
    /// Every provider's locations once, in provider order: where a token is looked for.
    private let locations: [Location]

    init(providers: [Provider]) {
        self.providers = providers
        var locations: [Location] = []
        for location in providers.flatMap(\.locations) where !locations.contains(location) {
            locations.append(location)
        }
        self.locations = locations
    }

    /// Envoy's default when a rule names no location: `Authorization: Bearer` and `?access_token=`.
    static func locations(of provider: Snapshot.JWTProvider) -> [Location] {
        var locations: [Location] = provider.fromHeaders.map {
            .header($0.name.lowercased(), prefix: Array(($0.prefix ?? "").lowercased().utf8))
        }
        locations += provider.fromParams.map(Location.parameter)
        locations += provider.fromCookies.map(Location.cookie)
        if locations.isEmpty {
            locations = [.header("authorization", prefix: Array("bearer ".utf8)), .parameter("access_token")]
        }
        return locations
    }

    /// Checks the request's token, if it carries one, at wall-clock time `now` (seconds since the epoch).
    func authenticate(headers: HTTPHeaders, query: Substring?, now: Double) -> JWTOutcome {
        guard let (text, location) = token(headers: headers, query: query) else { return .missing }
        guard let token = JWTToken(text) else { return .failed(.badFormat) }
        let issuer = token.issuer
        var failure = JWTFailure.unknownIssuer
        for provider in providers where provider.issuer == issuer && provider.locations.contains(location) {
            switch verify(token, with: provider, now: now) {
            case .success(let identity):
                return .verified(identity, edits(for: token, location: location, provider: provider))
            case .failure(let reason):
                // Another provider of the same issuer may still accept it; otherwise the first reason stands.
                if failure == .unknownIssuer { failure = reason }
            }
        }
        return .failed(failure)
    }

    private func token(headers: HTTPHeaders, query: Substring?) -> (Substring, Location)? {
        for location in locations {
            switch location {
            case .header(let name, let prefix):
                guard let value = HeaderLookup.value(of: name, in: headers) else { continue }
                let utf8 = value[...].utf8
                guard ASCII.hasPrefix(utf8, prefix, ignoringCase: true) else { continue }
                let token = ASCII.trimmed(Substring(utf8.dropFirst(prefix.count)))
                if !token.isEmpty { return (token, location) }
            case .parameter(let name):
                if let value = QueryString.firstValue(of: name, in: query), !value.isEmpty { return (value, location) }
            case .cookie(let name):
                if let value = HeaderLookup.cookie(named: name, in: headers), !value.isEmpty {
                    return (value, location)
                }
            }
        }
        return nil
    }

    private func verify(_ token: JWTToken, with provider: Provider, now: Double) -> Result<JWTIdentity, JWTFailure> {
        guard let keys = provider.keys, !keys.keys.isEmpty else { return .failure(.noKeys) }
        let candidates = keys.candidates(algorithm: token.algorithm, keyID: token.keyID)
        guard !candidates.isEmpty else { return .failure(.noMatchingKey) }
        let verified = candidates.contains { key in
            (try? key.verifier.verify(token.signature, signs: token.signedPart)) == true
        }
        guard verified else { return .failure(.verificationFailed) }
        if let expiry = token.time("exp"), now > expiry + Self.clockSkewSeconds { return .failure(.expired) }
        if let notBefore = token.time("nbf"), now + Self.clockSkewSeconds < notBefore {
            return .failure(.notYetValid)
        }
        let audiences = token.audiences
        if !provider.audiences.isEmpty, !audiences.contains(where: provider.audiences.contains) {
            return .failure(.audienceNotAllowed)
        }
        let principal = provider.issuer + "/" + (token.subject ?? "")
        return .success(
            JWTIdentity(
                principal: principal, audiences: audiences, presenter: token.claims["azp"]?.stringValue,
                claims: token.claims))
    }

    private func edits(for token: JWTToken, location: Location, provider: Provider) -> JWTHeaderEdits? {
        var edits = JWTHeaderEdits()
        if !provider.forwardOriginalToken, case .header(let name, _) = location { edits.remove.append(name) }
        if let header = provider.outputPayloadToHeader { edits.set.append((header, String(token.encodedPayload))) }
        if !provider.claimOutputs.isEmpty {
            let identity = JWTIdentity(principal: "", audiences: [], presenter: nil, claims: token.claims)
            for output in provider.claimOutputs {
                if let value = identity.claimValues(output.claim).first { edits.set.append((output.header, value)) }
            }
        }
        return edits.isEmpty ? nil : edits
    }
}
