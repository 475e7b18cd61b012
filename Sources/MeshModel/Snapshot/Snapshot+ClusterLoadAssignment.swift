extension Snapshot {
    /// The endpoints of one cluster (xDS `ClusterLoadAssignment`, one locality).
    public struct ClusterLoadAssignment: Sendable, Hashable, Codable {
        public var clusterName: String
        /// Sorted by instance id. Unhealthy endpoints stay listed so a data plane can tell
        /// "no healthy upstream" from "no such service".
        public var endpoints: [LbEndpoint]

        public init(clusterName: String, endpoints: [LbEndpoint]) {
            self.clusterName = clusterName
            self.endpoints = endpoints
        }

        public var healthyEndpoints: [LbEndpoint] { endpoints.filter { $0.health == .healthy } }
    }

    /// One upstream address (xDS `LbEndpoint`).
    public struct LbEndpoint: Sendable, Hashable, Codable {
        public var address: String
        public var port: UInt32
        /// Relative load-balancing weight, ≥ 1.
        public var weight: UInt32
        public var health: EndpointHealth
        public var labels: [String: String]
        /// The registry instance id.
        public var instanceID: String

        public init(
            address: String,
            port: UInt32,
            weight: UInt32 = 1,
            health: EndpointHealth,
            labels: [String: String] = [:],
            instanceID: String
        ) {
            self.address = address
            self.port = port
            self.weight = weight
            self.health = health
            self.labels = labels
            self.instanceID = instanceID
        }
    }

    /// xDS `HealthStatus` (the subset meshbox uses).
    public enum EndpointHealth: String, Sendable, Hashable, Codable {
        case healthy
        case unhealthy
        /// No verdict yet. Envoy would treat it as healthy; meshbox sends only `passing` instances
        /// as healthy, so the compiler maps unknown to `unhealthy` and this case is for other sources.
        case unknown
    }
}
