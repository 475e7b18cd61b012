extension Snapshot {
    /// Forward to clusters (xDS `RouteAction`).
    public struct RouteAction: Sendable, Hashable, Codable {
        /// Weights are Istio percentages and normally sum to 100; a weight may be 0.
        public var weightedClusters: [WeightedCluster]
        /// The whole upstream exchange including retries; nil means none (Istio's default).
        public var timeout: Duration?
        public var retryPolicy: RetryPolicy?
        /// Replaces the matched path prefix (or the whole path of an exact match).
        public var prefixRewrite: String?
        public var regexRewrite: RegexRewrite?
        /// Replaces the Host/`:authority` header.
        public var hostRewrite: String?
        public var requestMirrorPolicies: [MirrorPolicy]
        /// From the destination's DestinationRule `consistentHash` (with a ring hash or Maglev cluster).
        public var hashPolicies: [HashPolicy]
        public var cors: CorsPolicy?

        public init(
            weightedClusters: [WeightedCluster],
            timeout: Duration? = nil,
            retryPolicy: RetryPolicy? = nil,
            prefixRewrite: String? = nil,
            regexRewrite: RegexRewrite? = nil,
            hostRewrite: String? = nil,
            requestMirrorPolicies: [MirrorPolicy] = [],
            hashPolicies: [HashPolicy] = [],
            cors: CorsPolicy? = nil
        ) {
            self.weightedClusters = weightedClusters
            self.timeout = timeout
            self.retryPolicy = retryPolicy
            self.prefixRewrite = prefixRewrite
            self.regexRewrite = regexRewrite
            self.hostRewrite = hostRewrite
            self.requestMirrorPolicies = requestMirrorPolicies
            self.hashPolicies = hashPolicies
            self.cors = cors
        }
    }

    /// xDS `RetryPolicy`.
    public struct RetryPolicy: Sendable, Hashable, Codable {
        /// Comma-separated Envoy conditions: `5xx`, `gateway-error`, `connect-failure`, ….
        public var retryOn: String
        public var numRetries: UInt32
        public var perTryTimeout: Duration?
        /// Base interval of the exponential back-off (Envoy's default is 25 ms).
        public var backoffBaseInterval: Duration?
        public var backoffMaxInterval: Duration?

        public init(
            retryOn: String,
            numRetries: UInt32,
            perTryTimeout: Duration? = nil,
            backoffBaseInterval: Duration? = nil,
            backoffMaxInterval: Duration? = nil
        ) {
            self.retryOn = retryOn
            self.numRetries = numRetries
            self.perTryTimeout = perTryTimeout
            self.backoffBaseInterval = backoffBaseInterval
            self.backoffMaxInterval = backoffMaxInterval
        }
    }

    /// xDS `RegexMatchAndSubstitute`.
    public struct RegexRewrite: Sendable, Hashable, Codable {
        public var pattern: String
        /// May use `\1` groups.
        public var substitution: String

        public init(pattern: String, substitution: String) {
            self.pattern = pattern
            self.substitution = substitution
        }
    }

    /// Send a copy of a share of requests to another cluster, ignoring its answers.
    public struct MirrorPolicy: Sendable, Hashable, Codable {
        public var cluster: String
        /// 0...100.
        public var percentage: Double

        public init(cluster: String, percentage: Double) {
            self.cluster = cluster
            self.percentage = percentage
        }
    }

    /// What a consistent hash is computed from (xDS `RouteAction.HashPolicy`).
    public enum HashPolicy: Sendable, Hashable, Codable {
        case header(name: String)
        /// The cookie is generated with `ttl` when the client lacks it and `ttl` is set.
        case cookie(name: String, path: String?, ttl: Duration?)
        case sourceIP
        case queryParameter(name: String)
    }

    /// CORS answers (Envoy's CORS policy, per route).
    public struct CorsPolicy: Sendable, Hashable, Codable {
        public var allowOrigins: [StringMatcher]
        public var allowMethods: [String]
        public var allowHeaders: [String]
        public var exposeHeaders: [String]
        public var maxAge: Duration?
        public var allowCredentials: Bool?

        public init(
            allowOrigins: [StringMatcher] = [],
            allowMethods: [String] = [],
            allowHeaders: [String] = [],
            exposeHeaders: [String] = [],
            maxAge: Duration? = nil,
            allowCredentials: Bool? = nil
        ) {
            self.allowOrigins = allowOrigins
            self.allowMethods = allowMethods
            self.allowHeaders = allowHeaders
            self.exposeHeaders = exposeHeaders
            self.maxAge = maxAge
            self.allowCredentials = allowCredentials
        }
    }
}
