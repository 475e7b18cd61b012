/// A data plane that takes snapshots: this process's gateway and proxy roles, a remote meshbox
/// node, or an Envoy connected over xDS.
///
/// The compiler compiles once for the whole mesh; each node gets the part that concerns it
/// (`Snapshot.scoped(to:)`): the listeners of the roles it runs and what they refer to.
public struct DataPlaneNode: Sendable, Hashable, Codable {
    /// The xDS node id (`Node.id`); `local` for the roles in this process.
    public var id: String
    /// The data-plane roles the node runs.
    public var roles: Set<DataPlaneRole>
    /// The node's labels (xDS `Node.metadata`), for later per-node selection.
    public var labels: [String: String]
    /// The name instances on this host register with (`Instance.node`), when it is not `id` (the
    /// roles in this process have id `local`): the workloads whose inbound policy it enforces.
    public var nodeName: String?

    public init(id: String, roles: Set<DataPlaneRole>, labels: [String: String] = [:], nodeName: String? = nil) {
        self.id = id
        self.roles = roles
        self.labels = labels
        self.nodeName = nodeName
    }

    /// The data-plane roles of this process, on the node named `nodeName` in the registry.
    public static func local(roles: Set<DataPlaneRole>, nodeName: String? = nil) -> DataPlaneNode {
        DataPlaneNode(id: "local", roles: roles, nodeName: nodeName)
    }

    /// Every listener of the mesh: what the console explains and shows.
    public static let wholeMesh = DataPlaneNode(id: "mesh", roles: Set(DataPlaneRole.allCases))
}

/// Which data-plane role serves a listener.
public enum DataPlaneRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// North-south listeners of Gateway resources.
    case gateway
    /// The node proxy's listeners: captured traffic to service VIPs (and, later, the inbound tunnel).
    case proxy

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension Snapshot {
    /// The part of the snapshot a node serves: the listeners of its roles and the route
    /// configurations they name, and, for a proxy node, the inbound workloads registered on it
    /// (`nodeName`, else `id`; the whole mesh keeps every one). Clusters, endpoints and secrets stay
    /// whole (a cluster no listener uses costs nothing but its entry), so the version and revisions
    /// are unchanged.
    public func scoped(to node: DataPlaneNode) -> Snapshot {
        var scoped = self
        if node.id != DataPlaneNode.wholeMesh.id {
            let name = node.nodeName ?? node.id
            scoped.workloads = node.roles.contains(.proxy) ? workloads.filter { $0.node == name } : []
        }
        if listeners.allSatisfy({ node.roles.contains($0.role) }) { return scoped }
        scoped.listeners = listeners.filter { node.roles.contains($0.role) }
        var routeNames = Set<String>()
        for listener in scoped.listeners {
            for chain in listener.filterChains {
                if case .http(let name) = chain.destination { routeNames.insert(name) }
            }
        }
        scoped.routeConfigurations = routeConfigurations.filter { routeNames.contains($0.name) }
        return scoped
    }
}
