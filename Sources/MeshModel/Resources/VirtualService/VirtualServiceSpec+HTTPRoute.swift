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
            headers: Headers? = nil
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
        }
    }
}

extension VirtualServiceSpec.HTTPRoute: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["delegate", "mirrors", "mirrorPercent"] }
}
