public import MeshModel

/// A data-plane listener as the console shows it: where it binds, what it speaks, its chains.
public struct ListenerSummary: Sendable, Hashable, Codable {
    public var name: String
    public var address: String
    public var port: UInt32
    public var `protocol`: Snapshot.ListenerProtocol
    public var filterChains: [FilterChainSummary]

    public init(_ listener: Snapshot.Listener) {
        name = listener.name
        address = listener.address
        port = listener.port
        self.protocol = listener.protocol
        filterChains = listener.filterChains.map(FilterChainSummary.init)
    }
}

/// One filter chain: the server names (SNI) it takes, the TLS it terminates, where it sends traffic.
public struct FilterChainSummary: Sendable, Hashable, Codable {
    public var name: String
    /// Empty: every connection (no SNI needed).
    public var serverNames: [String]
    /// `simple` or `mutual`; nil for plain text and TLS passthrough.
    public var tlsMode: String?
    /// The SDS secret holding the server certificate.
    public var certificateSecretName: String?
    /// The SDS secret holding the CA that verifies client certificates (mutual TLS).
    public var caSecretName: String?
    /// The route configuration of an HTTP chain.
    public var routeConfiguration: String?
    /// The clusters of a TCP (or passthrough) chain, with their weights.
    public var tcpClusters: [WeightedClusterSummary]

    public init(_ chain: Snapshot.FilterChain) {
        name = chain.name
        serverNames = chain.serverNames
        tlsMode = chain.tls?.mode.rawValue
        certificateSecretName = chain.tls?.certificateSecretName
        caSecretName = chain.tls?.caSecretName
        switch chain.destination {
        case .http(let routeConfigurationName):
            routeConfiguration = routeConfigurationName
            tcpClusters = []
        case .tcp(let clusters):
            routeConfiguration = nil
            tcpClusters = WeightedClusterSummary.shares(clusters)
        }
    }
}

/// A cluster and its share of a split.
public struct WeightedClusterSummary: Sendable, Hashable, Codable {
    public var cluster: String
    public var weight: UInt32
    /// Percent of the requests this cluster gets (weights over their sum); 0 for weight 0.
    public var share: Double
    /// From the cluster name `outbound|<port>|<subset>|<host>`.
    public var serviceHost: String?
    public var port: UInt32?
    public var subset: String?

    public init(cluster: String, weight: UInt32, share: Double) {
        self.cluster = cluster
        self.weight = weight
        self.share = share
        let parts = cluster.split(separator: "|", omittingEmptySubsequences: false)
        if parts.count == 4, parts[0] == "outbound" {
            port = UInt32(parts[1])
            subset = parts[2].isEmpty ? nil : String(parts[2])
            serviceHost = String(parts[3])
        }
    }

    /// Every cluster with its share; weights are summed as the data plane draws them.
    public static func shares(_ clusters: [Snapshot.WeightedCluster]) -> [WeightedClusterSummary] {
        let total = clusters.reduce(0.0) { $0 + Double($1.weight) }
        return clusters.map {
            WeightedClusterSummary(
                cluster: $0.name,
                weight: $0.weight,
                share: total > 0 ? Double($0.weight) / total * 100 : 0
            )
        }
    }
}
