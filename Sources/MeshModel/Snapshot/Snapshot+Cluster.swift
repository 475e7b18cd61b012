extension Snapshot {
    /// A group of upstream endpoints and how to talk to them (xDS `Cluster`, discovery type EDS).
    public struct Cluster: Sendable, Hashable, Codable {
        /// Istio style: `outbound|<port>|<subset>|<fqdn>` (subset empty when none).
        public var name: String
        /// Fully qualified host: `reviews.default.svc.cluster.local`, or a ServiceEntry host.
        public var serviceHost: String
        /// The service port (not the instances' target port).
        public var port: UInt32
        public var subset: String?
        public var lbPolicy: LoadBalancingPolicy
        /// Also carried by routes as `hashPolicies`; kept here for data planes that hash per cluster.
        public var consistentHash: HashPolicy?
        public var connectTimeout: Duration
        public var circuitBreakers: CircuitBreakers?
        public var maxRequestsPerConnection: UInt32?
        public var idleTimeout: Duration?
        /// Speak HTTP/2 to the endpoints (h2UpgradePolicy UPGRADE, or an HTTP2/GRPC service port).
        public var http2: Bool
        /// Speak to the endpoints in the client's protocol instead (`useClientProtocol`): HTTP/2
        /// for requests that came over HTTP/2, HTTP/1.1 for the others. `http2` is then false.
        public var useClientProtocol: Bool
        /// Streams the data plane opens at most on one HTTP/2 connection to an endpoint
        /// (`maxConcurrentStreams`); the server's SETTINGS_MAX_CONCURRENT_STREAMS applies too.
        public var maxConcurrentStreams: UInt32?
        public var outlierDetection: OutlierDetection?
        /// TLS the data plane originates towards the endpoints; nil for plain text.
        public var upstreamTLS: UpstreamTLS?
        /// TCP keepalive on connections to the endpoints (`connectionPool.tcp.tcpKeepalive`,
        /// Envoy's `upstream_connection_options.tcp_keepalive`); nil leaves the sockets as the
        /// system makes them (no keepalive).
        public var tcpKeepalive: TCPKeepalive?
        /// How long a connection to an endpoint may live (`connectionPool.tcp.maxConnectionDuration`,
        /// Envoy's `max_connection_duration`): then it takes no new request and closes once idle.
        public var maxConnectionDuration: Duration?

        public init(
            name: String,
            serviceHost: String,
            port: UInt32,
            subset: String? = nil,
            lbPolicy: LoadBalancingPolicy = .roundRobin,
            consistentHash: HashPolicy? = nil,
            connectTimeout: Duration = Cluster.defaultConnectTimeout,
            circuitBreakers: CircuitBreakers? = nil,
            maxRequestsPerConnection: UInt32? = nil,
            idleTimeout: Duration? = nil,
            http2: Bool = false,
            outlierDetection: OutlierDetection? = nil,
            upstreamTLS: UpstreamTLS? = nil,
            useClientProtocol: Bool = false,
            maxConcurrentStreams: UInt32? = nil,
            tcpKeepalive: TCPKeepalive? = nil
        ) {
            self.name = name
            self.serviceHost = serviceHost
            self.port = port
            self.subset = subset
            self.lbPolicy = lbPolicy
            self.consistentHash = consistentHash
            self.connectTimeout = connectTimeout
            self.circuitBreakers = circuitBreakers
            self.maxRequestsPerConnection = maxRequestsPerConnection
            self.idleTimeout = idleTimeout
            self.http2 = http2
            self.useClientProtocol = useClientProtocol
            self.maxConcurrentStreams = maxConcurrentStreams
            self.outlierDetection = outlierDetection
            self.upstreamTLS = upstreamTLS
            self.tcpKeepalive = tcpKeepalive
        }

        /// SO_KEEPALIVE with the kernel's probe settings; a nil field keeps the system's value
        /// (Linux: 7200 s idle, 75 s between probes, 9 probes).
        public struct TCPKeepalive: Sendable, Hashable, Codable {
            /// Unanswered probes before the connection is dropped (`keepalive_probes`).
            public var probes: UInt32?
            /// Idle time before the first probe (`keepalive_time`), whole seconds.
            public var time: Duration?
            /// Time between probes (`keepalive_interval`), whole seconds.
            public var interval: Duration?

            public init(probes: UInt32? = nil, time: Duration? = nil, interval: Duration? = nil) {
                self.probes = probes
                self.time = time
                self.interval = interval
            }
        }

        /// Istio's default connect timeout.
        public static let defaultConnectTimeout: Duration = .seconds(10)

        /// `outbound|9080|v1|reviews.default.svc.cluster.local`.
        public static func name(host: String, port: UInt32, subset: String?) -> String {
            "outbound|\(port)|\(subset ?? "")|\(host)"
        }
    }

    /// xDS `Cluster.LbPolicy` with its config.
    public enum LoadBalancingPolicy: Sendable, Hashable, Codable {
        case roundRobin
        case leastRequest
        case random
        case ringHash(minimumRingSize: UInt64?)
        case maglev(tableSize: UInt64?)
    }

    /// xDS `CircuitBreakers.Thresholds` (default priority); nil fields keep Envoy's defaults.
    public struct CircuitBreakers: Sendable, Hashable, Codable {
        public var maxConnections: UInt32?
        public var maxPendingRequests: UInt32?
        public var maxRequests: UInt32?
        public var maxRetries: UInt32?

        public init(
            maxConnections: UInt32? = nil,
            maxPendingRequests: UInt32? = nil,
            maxRequests: UInt32? = nil,
            maxRetries: UInt32? = nil
        ) {
            self.maxConnections = maxConnections
            self.maxPendingRequests = maxPendingRequests
            self.maxRequests = maxRequests
            self.maxRetries = maxRetries
        }
    }

    /// xDS `OutlierDetection`; nil fields keep Envoy's defaults.
    public struct OutlierDetection: Sendable, Hashable, Codable {
        public var consecutive5xx: UInt32?
        public var consecutiveGatewayErrors: UInt32?
        public var interval: Duration?
        public var baseEjectionTime: Duration?
        public var maxEjectionPercent: UInt32?
        /// Below this share of healthy endpoints, ejection stops (Envoy's healthy panic threshold).
        public var minHealthPercent: UInt32?

        public init(
            consecutive5xx: UInt32? = nil,
            consecutiveGatewayErrors: UInt32? = nil,
            interval: Duration? = nil,
            baseEjectionTime: Duration? = nil,
            maxEjectionPercent: UInt32? = nil,
            minHealthPercent: UInt32? = nil
        ) {
            self.consecutive5xx = consecutive5xx
            self.consecutiveGatewayErrors = consecutiveGatewayErrors
            self.interval = interval
            self.baseEjectionTime = baseEjectionTime
            self.maxEjectionPercent = maxEjectionPercent
            self.minHealthPercent = minHealthPercent
        }
    }

    /// TLS towards a cluster's endpoints (xDS `UpstreamTlsContext`).
    public struct UpstreamTLS: Sendable, Hashable, Codable {
        public enum Mode: String, Sendable, Hashable, Codable {
            case simple
            case mutual
            /// Mutual TLS with the mesh's own workload certificates (SPIFFE).
            case istioMutual
        }

        public var mode: Mode
        public var sni: String?
        public var subjectAltNames: [String]
        /// The client certificate for `mutual`.
        public var certificateSecretName: String?
        /// The CA that verifies the server; nil uses the system trust (simple) or the mesh CA (istioMutual).
        public var caSecretName: String?
        public var insecureSkipVerify: Bool

        public init(
            mode: Mode,
            sni: String? = nil,
            subjectAltNames: [String] = [],
            certificateSecretName: String? = nil,
            caSecretName: String? = nil,
            insecureSkipVerify: Bool = false
        ) {
            self.mode = mode
            self.sni = sni
            self.subjectAltNames = subjectAltNames
            self.certificateSecretName = certificateSecretName
            self.caSecretName = caSecretName
            self.insecureSkipVerify = insecureSkipVerify
        }
    }
}
