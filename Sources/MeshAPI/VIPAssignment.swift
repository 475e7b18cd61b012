/// A virtual IP the config store holds for a meshbox `Service` or a `ServiceEntry` host: the
/// fixed `spec.vip` a Service asks for, or an address allocated from the service CIDRs.
///
/// Allocations live in the config store next to the resources (one transaction per write),
/// so a re-apply, a restart or a rollback keeps them and a delete frees them.
public struct VIPAssignment: Sendable, Hashable, Codable {
    /// The `ServiceEntry` host the address belongs to; nil for a `Service`.
    public var host: String?
    /// Canonical address text (`240.240.3.7`, `2001:2::3:7`).
    public var address: String
    /// True for a `Service`'s `spec.vip`, false for an allocated address.
    public var fixed: Bool

    public init(host: String? = nil, address: String, fixed: Bool = false) {
        self.host = host
        self.address = address
        self.fixed = fixed
    }
}

/// What the store adds to a resource beyond the user's spec (Kubernetes' `status`).
public struct ResourceStatus: Sendable, Hashable, Codable {
    /// The resource's VIPs: one per address family and host, or the fixed one; sorted by host,
    /// then IPv4 before IPv6.
    public var vips: [VIPAssignment]

    public init(vips: [VIPAssignment] = []) {
        self.vips = vips
    }
}
