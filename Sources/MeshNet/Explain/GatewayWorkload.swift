public import MeshModel

/// The workload identity a gateway enforces AuthorizationPolicy as: the namespace of the
/// Gateway resource that serves the request, and that Gateway's `selector` as labels.
///
/// In Istio a Gateway's `selector` picks the gateway pods that implement it, so those pods
/// carry (at least) the selector's labels and live in the Gateway's namespace; policies with a
/// `selector` written for the ingress gateway match them. meshbox's gateway is that workload.
public struct GatewayWorkload: Sendable, Hashable {
    public var namespace: String
    public var labels: [String: String]
    /// How it was found, for people: `Gateway default/edge (serves shop.example.com on port 8080)`.
    public var source: String

    public init(namespace: String, labels: [String: String], source: String) {
        self.namespace = namespace
        self.labels = labels
        self.source = source
    }

    /// The Gateway resource that serves `host` on `port`: one with a server on that port whose
    /// hosts cover the host, else one whose hosts cover it on any port (a port offset), else the
    /// only Gateway. Ties go to the first by namespace and name. Nil when none fits.
    public static func resolve(host: String, port: UInt32, gateways: [Resource]) -> GatewayWorkload? {
        let host = hostWithoutPort(host.lowercased())
        let candidates = gateways.compactMap { resource -> (ResourceKey, GatewaySpec)? in
            guard case .gateway(let spec) = resource.spec else { return nil }
            return (resource.key, spec)
        }
        .sorted { $0.0 < $1.0 }
        func pick(_ key: ResourceKey, _ spec: GatewaySpec, _ why: String) -> GatewayWorkload {
            GatewayWorkload(
                namespace: key.namespace,
                labels: spec.selector,
                source: "Gateway \(key.namespace)/\(key.name) (\(why))"
            )
        }
        for (key, spec) in candidates
        where spec.servers.contains(where: { $0.port?.number == port && covers($0.hosts, host) }) {
            return pick(key, spec, "serves \(host) on port \(port)")
        }
        for (key, spec) in candidates where spec.servers.contains(where: { covers($0.hosts, host) }) {
            return pick(key, spec, "serves \(host)")
        }
        if candidates.count == 1, let (key, spec) = candidates.first {
            return pick(key, spec, "the only Gateway")
        }
        return nil
    }

    /// Whether a server's `hosts` (`host`, `*.domain`, `*`, with an optional `namespace/`) cover `host`.
    static func covers(_ hosts: [String], _ host: String) -> Bool {
        hosts.contains { entry in
            let pattern = (entry.split(separator: "/", maxSplits: 1).last.map(String.init) ?? entry).lowercased()
            if pattern == "*" || pattern == host { return true }
            if pattern.hasPrefix("*.") { return host.hasSuffix(pattern.dropFirst()) && host.count > pattern.count - 1 }
            return false
        }
    }

    static func hostWithoutPort(_ authority: String) -> String {
        String(AuthorityParts(authority).host)
    }
}
