extension DestinationRuleSpec {
    /// How an instance is picked: a simple algorithm or a consistent hash (exclusive).
    public struct LoadBalancerSettings: Sendable, Hashable, Codable {
        public var simple: SimpleLB?
        public var consistentHash: ConsistentHashLB?

        public init(simple: SimpleLB? = nil, consistentHash: ConsistentHashLB? = nil) {
            self.simple = simple
            self.consistentHash = consistentHash
        }

        public enum SimpleLB: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
            case unspecified = "UNSPECIFIED"
            case leastConn = "LEAST_CONN"
            case random = "RANDOM"
            case passthrough = "PASSTHROUGH"
            case roundRobin = "ROUND_ROBIN"
            case leastRequest = "LEAST_REQUEST"
        }
    }

    /// Session affinity by a hash of one request property (exactly one of the hash keys is set).
    public struct ConsistentHashLB: Sendable, Hashable, Codable {
        public var httpHeaderName: String?
        public var httpCookie: HTTPCookie?
        public var useSourceIp: Bool?
        public var httpQueryParameterName: String?
        public var ringHash: RingHash?
        public var maglev: MagLev?

        public init(
            httpHeaderName: String? = nil,
            httpCookie: HTTPCookie? = nil,
            useSourceIp: Bool? = nil,
            httpQueryParameterName: String? = nil,
            ringHash: RingHash? = nil,
            maglev: MagLev? = nil
        ) {
            self.httpHeaderName = httpHeaderName
            self.httpCookie = httpCookie
            self.useSourceIp = useSourceIp
            self.httpQueryParameterName = httpQueryParameterName
            self.ringHash = ringHash
            self.maglev = maglev
        }

        /// A cookie to hash on; created with `ttl` when the client lacks it.
        public struct HTTPCookie: Sendable, Hashable, Codable {
            public var name: String
            public var path: String?
            public var ttl: String?

            public init(name: String, path: String? = nil, ttl: String? = nil) {
                self.name = name
                self.path = path
                self.ttl = ttl
            }
        }

        public struct RingHash: Sendable, Hashable, Codable {
            public var minimumRingSize: UInt64?

            public init(minimumRingSize: UInt64? = nil) {
                self.minimumRingSize = minimumRingSize
            }
        }

        public struct MagLev: Sendable, Hashable, Codable {
            /// A prime number (Envoy's default is 65537).
            public var tableSize: UInt64?

            public init(tableSize: UInt64? = nil) {
                self.tableSize = tableSize
            }
        }
    }
}

extension DestinationRuleSpec.LoadBalancerSettings: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["localityLbSetting", "warmupDurationSecs", "warmup"] }
}

extension DestinationRuleSpec.ConsistentHashLB: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["minimumRingSize"] }
}
