extension AuthorizationPolicySpec {
    /// Matches a request when every non-empty part matches: some `from`, some `to`, all `when`.
    public struct Rule: Sendable, Hashable, Codable {
        public var from: [From]
        public var to: [To]
        public var when: [Condition]

        public init(from: [From] = [], to: [To] = [], when: [Condition] = []) {
            self.from = from
            self.to = to
            self.when = when
        }

        public struct From: Sendable, Hashable, Codable {
            public var source: Source?

            public init(source: Source? = nil) {
                self.source = source
            }
        }

        public struct To: Sendable, Hashable, Codable {
            public var operation: Operation?

            public init(operation: Operation? = nil) {
                self.operation = operation
            }
        }
    }

    /// The peer of a request; all non-empty fields must match.
    public struct Source: Sendable, Hashable, Codable {
        /// Peer identities (`cluster.local/ns/default/sa/reviews`), from mutual TLS.
        public var principals: [String]
        public var notPrincipals: [String]
        public var namespaces: [String]
        public var notNamespaces: [String]
        /// Peer IPs or CIDRs.
        public var ipBlocks: [String]
        public var notIpBlocks: [String]
        /// Original client IPs or CIDRs (from `X-Forwarded-For`, per the gateway's trust settings).
        public var remoteIpBlocks: [String]
        public var notRemoteIpBlocks: [String]
        /// JWT principals (`iss/sub`) from a RequestAuthentication-verified token.
        public var requestPrincipals: [String]
        public var notRequestPrincipals: [String]

        public init(
            principals: [String] = [],
            notPrincipals: [String] = [],
            namespaces: [String] = [],
            notNamespaces: [String] = [],
            ipBlocks: [String] = [],
            notIpBlocks: [String] = [],
            remoteIpBlocks: [String] = [],
            notRemoteIpBlocks: [String] = [],
            requestPrincipals: [String] = [],
            notRequestPrincipals: [String] = []
        ) {
            self.principals = principals
            self.notPrincipals = notPrincipals
            self.namespaces = namespaces
            self.notNamespaces = notNamespaces
            self.ipBlocks = ipBlocks
            self.notIpBlocks = notIpBlocks
            self.remoteIpBlocks = remoteIpBlocks
            self.notRemoteIpBlocks = notRemoteIpBlocks
            self.requestPrincipals = requestPrincipals
            self.notRequestPrincipals = notRequestPrincipals
        }
    }

    /// The request itself; all non-empty fields must match.
    public struct Operation: Sendable, Hashable, Codable {
        public var hosts: [String]
        public var notHosts: [String]
        public var ports: [String]
        public var notPorts: [String]
        public var methods: [String]
        public var notMethods: [String]
        public var paths: [String]
        public var notPaths: [String]

        public init(
            hosts: [String] = [],
            notHosts: [String] = [],
            ports: [String] = [],
            notPorts: [String] = [],
            methods: [String] = [],
            notMethods: [String] = [],
            paths: [String] = [],
            notPaths: [String] = []
        ) {
            self.hosts = hosts
            self.notHosts = notHosts
            self.ports = ports
            self.notPorts = notPorts
            self.methods = methods
            self.notMethods = notMethods
            self.paths = paths
            self.notPaths = notPaths
        }
    }

    /// An extra condition on a request attribute (`request.headers[x-token]`, `source.ip`, ...).
    public struct Condition: Sendable, Hashable, Codable {
        public var key: String
        public var values: [String]
        public var notValues: [String]

        public init(key: String, values: [String] = [], notValues: [String] = []) {
            self.key = key
            self.values = values
            self.notValues = notValues
        }
    }
}
