public import MeshModel

/// One upstream address as the balancers and the outlier detector see it.
///
/// `key` is computed once here because it is both the outlier detector's host identity and the
/// consistent-hash seed of the rings, and rebuilding it per request would allocate for long (IPv6) names.
///
/// A value type whose fields live in one shared, immutable object: requests copy endpoints
/// (picks, attempts, pooled connections), and a copy then costs one retain instead of one per
/// string.
public struct UpstreamEndpoint: Hashable, Sendable {
    /// The fields, compared and hashed as a value (`key` follows from address and port).
    private struct Fields: Hashable, Sendable {
        let address: String
        let port: Int
        let weight: UInt32
        let instanceID: String
        let key: String
    }

    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private let box: Box

    public var address: String { box.fields.address }
    public var port: Int { box.fields.port }
    /// Relative weight, at least 1 (a 0 from a snapshot is read as 1, as Envoy does for EDS).
    public var weight: UInt32 { box.fields.weight }
    public var instanceID: String { box.fields.instanceID }
    /// `address:port`, with IPv6 addresses in brackets (`[::1]:80`) as Envoy prints them, so
    /// ring positions match an Envoy fed the same endpoints.
    public var key: String { box.fields.key }

    public init(address: String, port: Int, weight: UInt32 = 1, instanceID: String = "") {
        box = Box(
            Fields(
                address: address, port: port, weight: max(weight, 1), instanceID: instanceID,
                key: Self.key(address: address, port: port)))
    }

    public static func == (lhs: UpstreamEndpoint, rhs: UpstreamEndpoint) -> Bool {
        lhs.box === rhs.box || lhs.box.fields == rhs.box.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(box.fields)
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
