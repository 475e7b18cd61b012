extension Snapshot {
    /// The `RequestAuthentication` resources that apply to one HTTP filter chain, resolved for the
    /// workload that serves it, with every issuer's keys inline (Envoy: the `jwt_authn` filter of
    /// the chain, whose providers istiod also gives inline keys, so no data plane fetches any).
    public struct RequestAuthentication: Sendable, Hashable, Codable {
        /// Every rule of every applicable policy, in resource-key order, then rule order.
        public var providers: [JWTProvider]

        public init(providers: [JWTProvider]) {
            self.providers = providers
        }
    }

    /// One `jwtRules` entry as a data plane checks it.
    public struct JWTProvider: Sendable, Hashable, Codable {
        /// The RequestAuthentication resource and the index of the rule in its `jwtRules`.
        public var policy: ResourceKey
        public var rule: Int
        public var issuer: String
        public var audiences: [String]
        /// The JSON Web Key Set: the rule's inline `jwks`, or what the control plane last fetched
        /// from its `jwksUri`. Nil when no keys could be had yet: then every token of the issuer
        /// fails (Istio's behaviour too), rather than passing unchecked.
        public var jwks: String?
        public var fromHeaders: [RequestAuthenticationSpec.JWTHeader]
        public var fromParams: [String]
        public var fromCookies: [String]
        public var outputPayloadToHeader: String?
        public var forwardOriginalToken: Bool
        public var outputClaimToHeaders: [RequestAuthenticationSpec.ClaimToHeader]

        public init(
            policy: ResourceKey, rule: Int, issuer: String, audiences: [String] = [], jwks: String?,
            fromHeaders: [RequestAuthenticationSpec.JWTHeader] = [], fromParams: [String] = [],
            fromCookies: [String] = [], outputPayloadToHeader: String? = nil, forwardOriginalToken: Bool = false,
            outputClaimToHeaders: [RequestAuthenticationSpec.ClaimToHeader] = []
        ) {
            self.policy = policy
            self.rule = rule
            self.issuer = issuer
            self.audiences = audiences
            self.jwks = jwks
            self.fromHeaders = fromHeaders
            self.fromParams = fromParams
            self.fromCookies = fromCookies
            self.outputPayloadToHeader = outputPayloadToHeader
            self.forwardOriginalToken = forwardOriginalToken
            self.outputClaimToHeaders = outputClaimToHeaders
        }

        /// The provider of `rule` (the `index`th of `policy`), with `jwks` as the keys.
        public init(policy: ResourceKey, index: Int, rule: RequestAuthenticationSpec.JWTRule, jwks: String?) {
            self.init(
                policy: policy, rule: index, issuer: rule.issuer, audiences: rule.audiences, jwks: jwks,
                fromHeaders: rule.fromHeaders, fromParams: rule.fromParams, fromCookies: rule.fromCookies,
                outputPayloadToHeader: rule.outputPayloadToHeader,
                forwardOriginalToken: rule.forwardOriginalToken ?? false,
                outputClaimToHeaders: rule.outputClaimToHeaders)
        }
    }
}
