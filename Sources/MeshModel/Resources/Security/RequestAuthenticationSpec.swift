/// `spec` of a `RequestAuthentication` (security.istio.io/v1): which JSON Web Tokens the selected
/// workloads accept, and where they find them.
///
/// Istio's semantics: a request without a token passes (only an AuthorizationPolicy with
/// `requestPrincipals` can demand one); a request with a token that fails any check is refused
/// with 401. A valid token's `iss/sub` becomes the request principal.
public struct RequestAuthenticationSpec: Sendable, Hashable, Codable {
    /// Workloads it applies to; absent means every workload of the namespace (or mesh, in the root namespace).
    public var selector: WorkloadSelector?
    public var jwtRules: [JWTRule]

    public init(selector: WorkloadSelector? = nil, jwtRules: [JWTRule] = []) {
        self.selector = selector
        self.jwtRules = jwtRules
    }

    /// One issuer: how its tokens are found, checked and passed on.
    public struct JWTRule: Sendable, Hashable, Codable {
        /// The `iss` a token must carry to be checked by this rule.
        public var issuer: String
        /// Accepted `aud` values; empty accepts any audience.
        public var audiences: [String]
        /// Where the issuer publishes its keys (http or https); fetched by the control plane.
        public var jwksUri: String?
        /// The keys inline, as a JSON Web Key Set document; wins over `jwksUri`.
        public var jwks: String?
        /// Headers that carry the token; default `Authorization: Bearer <token>`.
        public var fromHeaders: [JWTHeader]
        /// Query parameters that carry the token; default `access_token`.
        public var fromParams: [String]
        /// Cookies that carry the token.
        public var fromCookies: [String]
        /// A header that gets the token's payload (base64url of its JSON) once verified.
        public var outputPayloadToHeader: String?
        /// Keep the token in the request forwarded upstream (default: removed).
        public var forwardOriginalToken: Bool?
        /// Claims copied into request headers once verified.
        public var outputClaimToHeaders: [ClaimToHeader]
        /// How long a `jwksUri` fetch may take (default 5s).
        public var timeout: String?

        public init(
            issuer: String,
            audiences: [String] = [],
            jwksUri: String? = nil,
            jwks: String? = nil,
            fromHeaders: [JWTHeader] = [],
            fromParams: [String] = [],
            fromCookies: [String] = [],
            outputPayloadToHeader: String? = nil,
            forwardOriginalToken: Bool? = nil,
            outputClaimToHeaders: [ClaimToHeader] = [],
            timeout: String? = nil
        ) {
            self.issuer = issuer
            self.audiences = audiences
            self.jwksUri = jwksUri
            self.jwks = jwks
            self.fromHeaders = fromHeaders
            self.fromParams = fromParams
            self.fromCookies = fromCookies
            self.outputPayloadToHeader = outputPayloadToHeader
            self.forwardOriginalToken = forwardOriginalToken
            self.outputClaimToHeaders = outputClaimToHeaders
            self.timeout = timeout
        }
    }

    /// A header that carries a token, with the text before it (`Bearer `).
    public struct JWTHeader: Sendable, Hashable, Codable {
        public var name: String
        public var prefix: String?

        public init(name: String, prefix: String? = nil) {
            self.name = name
            self.prefix = prefix
        }
    }

    /// `claim` of a verified token copied into request header `header` (strings, numbers and booleans).
    public struct ClaimToHeader: Sendable, Hashable, Codable {
        public var header: String
        public var claim: String

        public init(header: String, claim: String) {
            self.header = header
            self.claim = claim
        }
    }
}

extension RequestAuthenticationSpec: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["targetRef", "targetRefs"] }
}
