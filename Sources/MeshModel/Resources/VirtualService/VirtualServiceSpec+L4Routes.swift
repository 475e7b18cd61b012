extension VirtualServiceSpec {
    /// A rule for TLS traffic that is passed through, matched by SNI.
    public struct TLSRoute: Sendable, Hashable, Codable {
        public var match: [TLSMatchAttributes]
        public var route: [RouteDestination]

        public init(match: [TLSMatchAttributes] = [], route: [RouteDestination] = []) {
            self.match = match
            self.route = route
        }
    }

    public struct TLSMatchAttributes: Sendable, Hashable, Codable {
        /// SNI values to match (`*.example.com` allowed); required.
        public var sniHosts: [String]
        /// Destination IPs or CIDRs.
        public var destinationSubnets: [String]
        public var port: UInt32?
        public var gateways: [String]
        public var sourceNamespace: String?

        public init(
            sniHosts: [String] = [],
            destinationSubnets: [String] = [],
            port: UInt32? = nil,
            gateways: [String] = [],
            sourceNamespace: String? = nil
        ) {
            self.sniHosts = sniHosts
            self.destinationSubnets = destinationSubnets
            self.port = port
            self.gateways = gateways
            self.sourceNamespace = sourceNamespace
        }
    }

    /// A rule for opaque TCP traffic.
    public struct TCPRoute: Sendable, Hashable, Codable {
        public var match: [L4MatchAttributes]
        public var route: [RouteDestination]

        public init(match: [L4MatchAttributes] = [], route: [RouteDestination] = []) {
            self.match = match
            self.route = route
        }
    }

    public struct L4MatchAttributes: Sendable, Hashable, Codable {
        public var destinationSubnets: [String]
        public var port: UInt32?
        public var gateways: [String]
        public var sourceNamespace: String?

        public init(
            destinationSubnets: [String] = [],
            port: UInt32? = nil,
            gateways: [String] = [],
            sourceNamespace: String? = nil
        ) {
            self.destinationSubnets = destinationSubnets
            self.port = port
            self.gateways = gateways
            self.sourceNamespace = sourceNamespace
        }
    }
}

extension VirtualServiceSpec.TLSMatchAttributes: UnsupportedFieldsDeclaring {
    /// The calling workload is not known at the gateway; `destinationSubnets` is not matched.
    static var unsupportedFields: Set<String> { ["destinationSubnets", "sourceLabels", "sourceNamespace"] }
}

extension VirtualServiceSpec.L4MatchAttributes: UnsupportedFieldsDeclaring {
    /// The calling workload is not known at the gateway; `destinationSubnets` is not matched.
    static var unsupportedFields: Set<String> { ["destinationSubnets", "sourceLabels", "sourceNamespace"] }
}
