extension VirtualServiceSpec {
    /// Retries of a failed request.
    public struct HTTPRetry: Sendable, Hashable, Codable {
        public var attempts: Int32?
        public var perTryTimeout: String?
        /// Comma-separated Envoy retry conditions: `5xx`, `gateway-error`, `connect-failure`, status codes...
        public var retryOn: String?
        public var retryRemoteLocalities: Bool?

        public init(
            attempts: Int32? = nil,
            perTryTimeout: String? = nil,
            retryOn: String? = nil,
            retryRemoteLocalities: Bool? = nil
        ) {
            self.attempts = attempts
            self.perTryTimeout = perTryTimeout
            self.retryOn = retryOn
            self.retryRemoteLocalities = retryRemoteLocalities
        }
    }

    /// Faults injected into matching requests, for testing resilience.
    public struct HTTPFaultInjection: Sendable, Hashable, Codable {
        public var delay: Delay?
        public var abort: Abort?

        public init(delay: Delay? = nil, abort: Abort? = nil) {
            self.delay = delay
            self.abort = abort
        }

        public struct Delay: Sendable, Hashable, Codable {
            public var fixedDelay: String?
            public var percentage: Percent?
            /// Istio's deprecated integer percent (0...100); `percentage` wins when both are set.
            public var percent: Int32?

            public init(fixedDelay: String? = nil, percentage: Percent? = nil, percent: Int32? = nil) {
                self.fixedDelay = fixedDelay
                self.percentage = percentage
                self.percent = percent
            }

            /// The share of requests delayed, as Istio reads it: `percentage.value`, else the
            /// deprecated `percent`, else nil (the caller's default).
            public var effectivePercentage: Double? {
                percentage?.value ?? percent.map(Double.init)
            }
        }

        public struct Abort: Sendable, Hashable, Codable {
            public var httpStatus: Int32?
            public var percentage: Percent?

            public init(httpStatus: Int32? = nil, percentage: Percent? = nil) {
                self.httpStatus = httpStatus
                self.percentage = percentage
            }
        }
    }

    /// Cross-origin resource sharing answers for matching requests.
    public struct CorsPolicy: Sendable, Hashable, Codable {
        public var allowOrigins: [StringMatch]
        public var allowMethods: [String]
        public var allowHeaders: [String]
        public var exposeHeaders: [String]
        public var maxAge: String?
        public var allowCredentials: Bool?

        public init(
            allowOrigins: [StringMatch] = [],
            allowMethods: [String] = [],
            allowHeaders: [String] = [],
            exposeHeaders: [String] = [],
            maxAge: String? = nil,
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

extension VirtualServiceSpec.HTTPRetry: UnsupportedFieldsDeclaring {
    /// `retryRemoteLocalities`: meshbox has no locality-aware routing to widen.
    static var unsupportedFields: Set<String> { ["retryIgnorePreviousHosts", "retryRemoteLocalities", "backoff"] }
}

extension VirtualServiceSpec.HTTPFaultInjection.Delay: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["exponentialDelay"] }
}

extension VirtualServiceSpec.HTTPFaultInjection.Abort: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["grpcStatus", "http2Error"] }
}

extension VirtualServiceSpec.CorsPolicy: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["allowOrigin", "unmatchedPreflights"] }
}
