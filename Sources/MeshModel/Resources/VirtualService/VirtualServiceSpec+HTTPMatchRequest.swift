extension VirtualServiceSpec {
    /// Conditions on a request; all that are set must hold (AND).
    public struct HTTPMatchRequest: Sendable, Hashable, Codable {
        public var name: String?
        public var uri: StringMatch?
        public var scheme: StringMatch?
        public var method: StringMatch?
        public var authority: StringMatch?
        /// Header conditions, keyed by lower-case header name.
        public var headers: [String: StringMatch]
        /// The port the request arrived on.
        public var port: UInt32?
        public var queryParams: [String: StringMatch]
        /// Compare `uri` case-insensitively.
        public var ignoreUriCase: Bool?
        /// Headers that must not match (absent, or not matching).
        public var withoutHeaders: [String: StringMatch]
        /// Restricts this match to the listed gateways (overrides the service's `gateways`).
        public var gateways: [String]
        /// Namespace of the calling workload.
        public var sourceNamespace: String?

        public init(
            name: String? = nil,
            uri: StringMatch? = nil,
            scheme: StringMatch? = nil,
            method: StringMatch? = nil,
            authority: StringMatch? = nil,
            headers: [String: StringMatch] = [:],
            port: UInt32? = nil,
            queryParams: [String: StringMatch] = [:],
            ignoreUriCase: Bool? = nil,
            withoutHeaders: [String: StringMatch] = [:],
            gateways: [String] = [],
            sourceNamespace: String? = nil
        ) {
            self.name = name
            self.uri = uri
            self.scheme = scheme
            self.method = method
            self.authority = authority
            self.headers = headers
            self.port = port
            self.queryParams = queryParams
            self.ignoreUriCase = ignoreUriCase
            self.withoutHeaders = withoutHeaders
            self.gateways = gateways
            self.sourceNamespace = sourceNamespace
        }
    }
}

extension VirtualServiceSpec.HTTPMatchRequest: UnsupportedFieldsDeclaring {
    /// `sourceNamespace` and `sourceLabels` need the calling workload, which the gateway does not know.
    static var unsupportedFields: Set<String> { ["sourceLabels", "sourceNamespace", "statPrefix"] }
}
