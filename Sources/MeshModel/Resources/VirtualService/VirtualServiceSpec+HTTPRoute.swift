extension VirtualServiceSpec {
    /// One HTTP rule: matching conditions and what to do with a matching request.
    public struct HTTPRoute: Sendable, Hashable, Codable {
        public var name: String?
        /// Conditions, any of which selects the rule (OR); empty matches every request.
        public var match: [HTTPMatchRequest]
        public var route: [HTTPRouteDestination]
        public var redirect: HTTPRedirect?
        public var directResponse: HTTPDirectResponse?
        public var rewrite: HTTPRewrite?
        /// Request timeout, e.g. `10s`.
        public var timeout: String?
        public var retries: HTTPRetry?
        public var fault: HTTPFaultInjection?
        /// Destination to which a copy of each request is sent (responses ignored).
        public var mirror: Destination?
        public var mirrorPercentage: Percent?
        public var corsPolicy: CorsPolicy?
        public var headers: Headers?
        /// meshbox extension (not in Istio): compress this rule's responses for clients that accept it.
        public var compression: HTTPCompression?

        public init(
            name: String? = nil,
            match: [HTTPMatchRequest] = [],
            route: [HTTPRouteDestination] = [],
            redirect: HTTPRedirect? = nil,
            directResponse: HTTPDirectResponse? = nil,
            rewrite: HTTPRewrite? = nil,
            timeout: String? = nil,
            retries: HTTPRetry? = nil,
            fault: HTTPFaultInjection? = nil,
            mirror: Destination? = nil,
            mirrorPercentage: Percent? = nil,
            corsPolicy: CorsPolicy? = nil,
            headers: Headers? = nil,
            compression: HTTPCompression? = nil
        ) {
            self.name = name
            self.match = match
            self.route = route
            self.redirect = redirect
            self.directResponse = directResponse
            self.rewrite = rewrite
            self.timeout = timeout
            self.retries = retries
            self.fault = fault
            self.mirror = mirror
            self.mirrorPercentage = mirrorPercentage
            self.corsPolicy = corsPolicy
            self.headers = headers
            self.compression = compression
        }
    }

    /// `compression: {}` turns gzip on for a rule with the defaults; both fields are optional.
    public struct HTTPCompression: Sendable, Hashable, Codable {
        /// Responses smaller than this (by `Content-Length`) are not compressed; default 30 bytes.
        public var minContentLength: Int?
        /// Media types to compress, e.g. `text/html`; default: Envoy's list of text types.
        public var contentTypes: [String]?

        public init(minContentLength: Int? = nil, contentTypes: [String]? = nil) {
            self.minContentLength = minContentLength
            self.contentTypes = contentTypes
        }
    }
}

extension VirtualServiceSpec.HTTPRoute: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["delegate", "mirrors", "mirrorPercent"] }
}
