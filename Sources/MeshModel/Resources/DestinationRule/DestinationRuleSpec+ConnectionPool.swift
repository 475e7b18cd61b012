extension DestinationRuleSpec {
    /// Limits on connections and requests towards the destination (circuit breaking).
    public struct ConnectionPoolSettings: Sendable, Hashable, Codable {
        public var tcp: TCPSettings?
        public var http: HTTPSettings?

        public init(tcp: TCPSettings? = nil, http: HTTPSettings? = nil) {
            self.tcp = tcp
            self.http = http
        }

        public struct TCPSettings: Sendable, Hashable, Codable {
            public var maxConnections: Int32?
            public var connectTimeout: String?
            public var tcpKeepalive: TCPKeepalive?
            public var maxConnectionDuration: String?
            public var idleTimeout: String?

            public init(
                maxConnections: Int32? = nil,
                connectTimeout: String? = nil,
                tcpKeepalive: TCPKeepalive? = nil,
                maxConnectionDuration: String? = nil,
                idleTimeout: String? = nil
            ) {
                self.maxConnections = maxConnections
                self.connectTimeout = connectTimeout
                self.tcpKeepalive = tcpKeepalive
                self.maxConnectionDuration = maxConnectionDuration
                self.idleTimeout = idleTimeout
            }

            public struct TCPKeepalive: Sendable, Hashable, Codable {
                public var probes: UInt32?
                public var time: String?
                public var interval: String?

                public init(probes: UInt32? = nil, time: String? = nil, interval: String? = nil) {
                    self.probes = probes
                    self.time = time
                    self.interval = interval
                }
            }
        }

        public struct HTTPSettings: Sendable, Hashable, Codable {
            public var http1MaxPendingRequests: Int32?
            public var http2MaxRequests: Int32?
            public var maxRequestsPerConnection: Int32?
            public var maxRetries: Int32?
            public var idleTimeout: String?
            public var h2UpgradePolicy: H2UpgradePolicy?
            public var useClientProtocol: Bool?
            public var maxConcurrentStreams: Int32?

            public init(
                http1MaxPendingRequests: Int32? = nil,
                http2MaxRequests: Int32? = nil,
                maxRequestsPerConnection: Int32? = nil,
                maxRetries: Int32? = nil,
                idleTimeout: String? = nil,
                h2UpgradePolicy: H2UpgradePolicy? = nil,
                useClientProtocol: Bool? = nil,
                maxConcurrentStreams: Int32? = nil
            ) {
                self.http1MaxPendingRequests = http1MaxPendingRequests
                self.http2MaxRequests = http2MaxRequests
                self.maxRequestsPerConnection = maxRequestsPerConnection
                self.maxRetries = maxRetries
                self.idleTimeout = idleTimeout
                self.h2UpgradePolicy = h2UpgradePolicy
                self.useClientProtocol = useClientProtocol
                self.maxConcurrentStreams = maxConcurrentStreams
            }

            public enum H2UpgradePolicy: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
                case `default` = "DEFAULT"
                case doNotUpgrade = "DO_NOT_UPGRADE"
                case upgrade = "UPGRADE"
            }
        }
    }
}
