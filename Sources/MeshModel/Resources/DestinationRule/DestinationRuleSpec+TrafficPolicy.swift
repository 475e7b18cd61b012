extension DestinationRuleSpec {
    /// Load balancing, connection limits, outlier detection and TLS towards the destination.
    public struct TrafficPolicy: Sendable, Hashable, Codable {
        public var loadBalancer: LoadBalancerSettings?
        public var connectionPool: ConnectionPoolSettings?
        public var outlierDetection: OutlierDetection?
        public var tls: ClientTLSSettings?
        /// Overrides for single ports.
        public var portLevelSettings: [PortTrafficPolicy]

        public init(
            loadBalancer: LoadBalancerSettings? = nil,
            connectionPool: ConnectionPoolSettings? = nil,
            outlierDetection: OutlierDetection? = nil,
            tls: ClientTLSSettings? = nil,
            portLevelSettings: [PortTrafficPolicy] = []
        ) {
            self.loadBalancer = loadBalancer
            self.connectionPool = connectionPool
            self.outlierDetection = outlierDetection
            self.tls = tls
            self.portLevelSettings = portLevelSettings
        }
    }

    /// The policy fields of `TrafficPolicy`, for one port of the destination.
    public struct PortTrafficPolicy: Sendable, Hashable, Codable {
        public var port: PortSelector?
        public var loadBalancer: LoadBalancerSettings?
        public var connectionPool: ConnectionPoolSettings?
        public var outlierDetection: OutlierDetection?
        public var tls: ClientTLSSettings?

        public init(
            port: PortSelector? = nil,
            loadBalancer: LoadBalancerSettings? = nil,
            connectionPool: ConnectionPoolSettings? = nil,
            outlierDetection: OutlierDetection? = nil,
            tls: ClientTLSSettings? = nil
        ) {
            self.port = port
            self.loadBalancer = loadBalancer
            self.connectionPool = connectionPool
            self.outlierDetection = outlierDetection
            self.tls = tls
        }
    }

    /// Ejection of instances that keep failing.
    public struct OutlierDetection: Sendable, Hashable, Codable {
        public var consecutive5xxErrors: UInt32?
        public var consecutiveGatewayErrors: UInt32?
        /// Time between analysis sweeps (default 10s).
        public var interval: String?
        /// Minimum ejection time, multiplied by the number of ejections (default 30s).
        public var baseEjectionTime: String?
        public var maxEjectionPercent: Int32?
        /// Outlier detection stops when fewer healthy instances than this remain (percent).
        public var minHealthPercent: Int32?

        public init(
            consecutive5xxErrors: UInt32? = nil,
            consecutiveGatewayErrors: UInt32? = nil,
            interval: String? = nil,
            baseEjectionTime: String? = nil,
            maxEjectionPercent: Int32? = nil,
            minHealthPercent: Int32? = nil
        ) {
            self.consecutive5xxErrors = consecutive5xxErrors
            self.consecutiveGatewayErrors = consecutiveGatewayErrors
            self.interval = interval
            self.baseEjectionTime = baseEjectionTime
            self.maxEjectionPercent = maxEjectionPercent
            self.minHealthPercent = minHealthPercent
        }
    }

    /// TLS that the client side (proxy or gateway) originates towards the destination.
    public struct ClientTLSSettings: Sendable, Hashable, Codable {
        public var mode: Mode?
        public var clientCertificate: String?
        public var privateKey: String?
        public var caCertificates: String?
        public var credentialName: String?
        public var subjectAltNames: [String]
        public var sni: String?
        public var insecureSkipVerify: Bool?

        public init(
            mode: Mode? = nil,
            clientCertificate: String? = nil,
            privateKey: String? = nil,
            caCertificates: String? = nil,
            credentialName: String? = nil,
            subjectAltNames: [String] = [],
            sni: String? = nil,
            insecureSkipVerify: Bool? = nil
        ) {
            self.mode = mode
            self.clientCertificate = clientCertificate
            self.privateKey = privateKey
            self.caCertificates = caCertificates
            self.credentialName = credentialName
            self.subjectAltNames = subjectAltNames
            self.sni = sni
            self.insecureSkipVerify = insecureSkipVerify
        }

        public enum Mode: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
            case disable = "DISABLE"
            case simple = "SIMPLE"
            case mutual = "MUTUAL"
            case istioMutual = "ISTIO_MUTUAL"
        }
    }
}

extension DestinationRuleSpec.TrafficPolicy: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["tunnel", "proxyProtocol"] }
}

extension DestinationRuleSpec.OutlierDetection: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> {
        ["consecutiveErrors", "splitExternalLocalOriginErrors", "consecutiveLocalOriginFailures"]
    }
}

extension DestinationRuleSpec.ClientTLSSettings: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["caCrl"] }
}
