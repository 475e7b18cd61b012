/// The kernel's UDP load balancing in one address family: for each VIP and UDP port that has
/// endpoints, the endpoints its new flows are spread across (DNAT). What the rules install, and
/// what stale conntrack entries are judged against.
public struct UDPForwarding: Sendable, Hashable {
    /// A UDP service port: the VIP (canonical text, as `inet_ntop` writes it) and the port number.
    public typealias Target = ServiceVIP.Endpoint

    /// Endpoints by target: canonical addresses, sorted, unique, never empty (a port without
    /// endpoints has no entry).
    public var targets: [Target: [ServiceVIP.Endpoint]]

    public init(targets: [Target: [ServiceVIP.Endpoint]] = [:]) {
        self.targets = targets
    }

    public var isEmpty: Bool { targets.isEmpty }

    /// Targets whose endpoints differ between `other` and `self`: added, removed or changed.
    public func changedTargets(from other: UDPForwarding) -> Set<Target> {
        var changed = Set<Target>()
        for (target, endpoints) in targets where other.targets[target] != endpoints { changed.insert(target) }
        for target in other.targets.keys where targets[target] == nil { changed.insert(target) }
        return changed
    }
}
