public import MeshModel

/// One upstream address as the balancers and the outlier detector see it.
///
/// `key` is computed once here because it is both the outlier detector's host identity and the
/// consistent-hash seed of the rings, and rebuilding it per request would allocate for long (IPv6) names.
public struct UpstreamEndpoint: Hashable, Sendable {
    public let address: String
    public let port: Int
    /// Relative weight, at least 1 (a 0 from a snapshot is read as 1, as Envoy does for EDS).
    public let weight: UInt32
    public let instanceID: String
    /// `address:port`, with IPv6 addresses in brackets (`[::1]:80`) as Envoy prints them, so
    /// ring positions match an Envoy fed the same endpoints.
    public let key: String

    public init(address: String, port: Int, weight: UInt32 = 1, instanceID: String = "") {
        self.address = address
        self.port = port
        self.weight = max(weight, 1)
        self.instanceID = instanceID
        self.key = Self.key(address: address, port: port)
    }

    public init(_ endpoint: Snapshot.LbEndpoint) {
        self.init(
            address: endpoint.address,
            port: Int(endpoint.port),
            weight: endpoint.weight,
            instanceID: endpoint.instanceID
        )
    }

    /// The host key of `address` and `port`, as `key` spells it.
    public static func key(address: String, port: Int) -> String {
        if address.contains(":") && !address.hasPrefix("[") {
            return "[\(address)]:\(port)"
        }
        return "\(address):\(port)"
    }
}
