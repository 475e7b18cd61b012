extension VirtualServiceSpec {
    /// Where traffic goes: a service host, optionally a subset (from a DestinationRule) and a port.
    public struct Destination: Sendable, Hashable, Codable {
        /// A meshbox Service (`reviews`, `reviews.ns`, `reviews.ns.svc.cluster.local`) or a ServiceEntry host.
        public var host: String
        public var subset: String?
        public var port: PortSelector?

        public init(host: String, subset: String? = nil, port: PortSelector? = nil) {
            self.host = host
            self.subset = subset
            self.port = port
        }
    }

    /// A weighted destination of an HTTP rule.
    public struct HTTPRouteDestination: Sendable, Hashable, Codable {
        public var destination: Destination
        /// Share of traffic in percent; the weights of a rule sum to 100.
        public var weight: Int32?
        public var headers: Headers?

        public init(destination: Destination, weight: Int32? = nil, headers: Headers? = nil) {
            self.destination = destination
            self.weight = weight
            self.headers = headers
        }
    }

    /// A weighted destination of a TLS or TCP rule.
    public struct RouteDestination: Sendable, Hashable, Codable {
        public var destination: Destination
        public var weight: Int32?

        public init(destination: Destination, weight: Int32? = nil) {
            self.destination = destination
            self.weight = weight
        }
    }

    /// Header changes for requests and responses.
    public struct Headers: Sendable, Hashable, Codable {
        public var request: HeaderOperations?
        public var response: HeaderOperations?

        public init(request: HeaderOperations? = nil, response: HeaderOperations? = nil) {
            self.request = request
            self.response = response
        }
    }

    /// Headers to overwrite (`set`), append (`add`) and delete (`remove`).
    public struct HeaderOperations: Sendable, Hashable, Codable {
        public var set: [String: String]
        public var add: [String: String]
        public var remove: [String]

        public init(set: [String: String] = [:], add: [String: String] = [:], remove: [String] = []) {
            self.set = set
            self.add = add
            self.remove = remove
        }
    }
}
