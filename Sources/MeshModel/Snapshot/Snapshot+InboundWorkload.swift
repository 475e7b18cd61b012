extension Snapshot {
    /// A registered instance as the node that hosts it sees it when a connection arrives for it: who it
    /// is, which mutual-TLS mode each of its ports demands (`PeerAuthentication`), and the
    /// `AuthorizationPolicy` resources that select it (ztunnel's `istio.workload.Workload` with its
    /// resolved policies).
    ///
    /// The compiler makes one per registered instance with a node; `Snapshot.scoped(to:)` gives a
    /// proxy node only the workloads registered on it. The proxy role's inbound side (the tunnel
    /// terminating on port 15008, and plain connections to the workload) decides with it: the
    /// mutual-TLS mode first (STRICT refuses plain text), then the authorization, per connection on a
    /// TCP port and per request on an HTTP port.
    public struct InboundWorkload: Sendable, Hashable, Codable {
        /// The registry's instance id.
        public var instanceID: String
        /// The node the instance is registered on (`Instance.node`).
        public var node: String
        public var namespace: String
        public var service: String
        /// The service account its identity names (`spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`).
        public var serviceAccount: String
        /// The address connections for it arrive for.
        public var address: String
        /// The instance's labels, which policy selectors were matched against.
        public var labels: [String: String]
        /// The mode for a port the workload does not declare (the workload, namespace or mesh policy
        /// without a port entry).
        public var mtls: EffectiveMTLS
        /// The ports it declares, and those a PeerAuthentication names in `portLevelMtls`; sorted.
        public var ports: [InboundPort]
        /// The policies that select it: its namespace's and the root namespace's whose selector
        /// matches its labels. Nil when none does (every connection is allowed after the mTLS check).
        public var authorization: Authorization?

        public init(
            instanceID: String, node: String, namespace: String, service: String, serviceAccount: String = "default",
            address: String, labels: [String: String] = [:], mtls: EffectiveMTLS = .default, ports: [InboundPort] = [],
            authorization: Authorization? = nil
        ) {
            self.instanceID = instanceID
            self.node = node
            self.namespace = namespace
            self.service = service
            self.serviceAccount = serviceAccount
            self.address = address
            self.labels = labels
            self.mtls = mtls
            self.ports = ports
            self.authorization = authorization
        }

        /// The declared port with this number; nil for a port the workload does not declare.
        public func port(_ number: UInt32) -> InboundPort? {
            ports.first { $0.number == number }
        }

        /// The mode for a port: its own, else the workload's.
        public func mtls(forPort number: UInt32) -> EffectiveMTLS {
            port(number)?.mtls ?? mtls
        }
    }

    /// One port of an inbound workload.
    public struct InboundPort: Sendable, Hashable, Codable {
        /// The port the instance listens on (Istio's workload port, which `portLevelMtls` and
        /// AuthorizationPolicy `ports` name, not a service port).
        public var number: UInt32
        public var name: String?
        /// Declared by the Service or ServiceEntry port that targets it, else read from the port name
        /// (`http-web`); nil when unknown (handled as TCP).
        public var `protocol`: PortProtocol?
        /// The mode PeerAuthentication resolves for this port, with the policy that set it.
        public var mtls: EffectiveMTLS

        public init(number: UInt32, name: String? = nil, protocol: PortProtocol? = nil, mtls: EffectiveMTLS = .default) {
            self.number = number
            self.name = name
            self.protocol = `protocol`
            self.mtls = mtls
        }

        /// Whether requests on the port are authorized one by one with their HTTP attributes.
        public var isHTTP: Bool { self.protocol?.isHTTP ?? false }
    }
}
