/// One instance of a `ServiceEntry` (Istio's `WorkloadEntry`, inline in `endpoints`).
public struct WorkloadEntry: Sendable, Hashable, Codable {
    /// IP address or DNS name (a Unix socket `unix:///path` is not supported).
    public var address: String?
    /// Port overrides by port name (`http: 8080`).
    public var ports: [String: UInt32]
    public var labels: [String: String]
    public var network: String?
    /// `region/zone/subzone`.
    public var locality: String?
    public var weight: UInt32?
    /// The service account the workload runs as (a DNS-1123 label, default `default`): its identity
    /// is `spiffe://<trust domain>/ns/<the ServiceEntry's namespace>/sa/<serviceAccount>`.
    public var serviceAccount: String?

    public init(
        address: String? = nil,
        ports: [String: UInt32] = [:],
        labels: [String: String] = [:],
        network: String? = nil,
        locality: String? = nil,
        weight: UInt32? = nil,
        serviceAccount: String? = nil
    ) {
        self.address = address
        self.ports = ports
        self.labels = labels
        self.network = network
        self.locality = locality
        self.weight = weight
        self.serviceAccount = serviceAccount
    }
}

extension WorkloadEntry: UnsupportedFieldsDeclaring {
    /// Neither is used yet: endpoints are not grouped by locality and every address is reachable
    /// directly (no network gateways).
    static var unsupportedFields: Set<String> { ["locality", "network"] }
}
