extension Snapshot {
    /// What a request must look like to take a route (xDS `RouteMatch`); every set part must hold.
    public struct RouteMatch: Sendable, Hashable, Codable {
        public var path: PathMatch
        /// False for Istio's `ignoreUriCase`.
        public var caseSensitive: Bool
        /// All must match. Method, authority and scheme are the pseudo-headers `:method`, `:authority`, `:scheme`.
        public var headers: [HeaderMatcher]
        public var queryParameters: [QueryParameterMatcher]

        public init(
            path: PathMatch = .prefix("/"),
            caseSensitive: Bool = true,
            headers: [HeaderMatcher] = [],
            queryParameters: [QueryParameterMatcher] = []
        ) {
            self.path = path
            self.caseSensitive = caseSensitive
            self.headers = headers
            self.queryParameters = queryParameters
        }

        /// Every request.
        public static let all = RouteMatch()

        public enum PathMatch: Sendable, Hashable, Codable {
            case prefix(String)
            /// The whole path, without the query.
            case exact(String)
            /// RE2 over the whole path.
            case regex(String)
        }
    }

    /// A string comparison (xDS `StringMatcher`).
    public enum StringMatcher: Sendable, Hashable, Codable {
        case exact(String)
        case prefix(String)
        case suffix(String)
        /// RE2, matched against the whole value.
        case regex(String)
    }

    /// A condition on one header (xDS `HeaderMatcher`).
    public struct HeaderMatcher: Sendable, Hashable, Codable {
        /// Lower case; pseudo-headers like `:method` allowed.
        public var name: String
        /// nil: the header is present.
        public var match: StringMatcher?
        /// The condition holds when the header does not match (Istio's `withoutHeaders`).
        public var invert: Bool

        public init(name: String, match: StringMatcher?, invert: Bool = false) {
            self.name = name
            self.match = match
            self.invert = invert
        }
    }

    /// A condition on one query parameter (xDS `QueryParameterMatcher`).
    public struct QueryParameterMatcher: Sendable, Hashable, Codable {
        public var name: String
        /// nil: the parameter is present.
        public var match: StringMatcher?

        public init(name: String, match: StringMatcher?) {
            self.name = name
            self.match = match
        }
    }
}
