/// What a data plane (the gateway, the proxy, or Envoy over xDS) serves, compiled from config and
/// registry state: listeners, route configurations, clusters, endpoints and secret references.
///
/// Shaped after xDS v3 so that a later xDS server can translate each value one to one (see
/// docs/xds-subset.md, section 5). Every list is sorted by name, so equal inputs give equal
/// snapshots. Apply make-before-break: clusters and endpoints before listeners and routes.
public struct Snapshot: Sendable, Hashable, Codable {
    /// Grows by one each time the compiled content changes; 0 for the empty initial snapshot.
    public var version: UInt64
    /// The config store revision this snapshot was compiled from.
    public var configRevision: Int64
    /// The registry revision this snapshot was compiled from.
    public var registryRevision: Int64
    public var listeners: [Listener]
    public var routeConfigurations: [RouteConfiguration]
    public var clusters: [Cluster]
    public var endpoints: [ClusterLoadAssignment]
    /// Certificates and trust the listeners and clusters refer to by name (SDS).
    public var secrets: [SecretReference]
    /// What the compiler could not honour (unknown hosts, subsets, conflicting servers, …).
    public var warnings: [FieldIssue]
    /// The registered instances with their inbound policy (PeerAuthentication per port, the
    /// AuthorizationPolicies that select them), sorted by instance id: what a proxy node enforces
    /// for the workloads registered on it.
    public var workloads: [InboundWorkload]

    public init(
        version: UInt64 = 0,
        configRevision: Int64 = 0,
        registryRevision: Int64 = 0,
        listeners: [Listener] = [],
        routeConfigurations: [RouteConfiguration] = [],
        clusters: [Cluster] = [],
        endpoints: [ClusterLoadAssignment] = [],
        secrets: [SecretReference] = [],
        warnings: [FieldIssue] = [],
        workloads: [InboundWorkload] = []
    ) {
        self.version = version
        self.configRevision = configRevision
        self.registryRevision = registryRevision
        self.listeners = listeners
        self.routeConfigurations = routeConfigurations
        self.clusters = clusters
        self.endpoints = endpoints
        self.secrets = secrets
        self.warnings = warnings
        self.workloads = workloads
    }

    /// Nothing to serve: the value a data plane holds before its first snapshot.
    public static let empty = Snapshot()

    public func listener(named name: String) -> Listener? {
        listeners.first { $0.name == name }
    }

    public func routeConfiguration(named name: String) -> RouteConfiguration? {
        routeConfigurations.first { $0.name == name }
    }

    public func cluster(named name: String) -> Cluster? {
        clusters.first { $0.name == name }
    }

    /// The endpoints of a cluster (its EDS resource).
    public func loadAssignment(forCluster name: String) -> ClusterLoadAssignment? {
        endpoints.first { $0.clusterName == name }
    }

    public func secret(named name: String) -> SecretReference? {
        secrets.first { $0.name == name }
    }

    /// Whether both serve the same thing, whatever their version and input revisions.
    public func hasSameContent(as other: Snapshot) -> Bool {
        listeners == other.listeners && routeConfigurations == other.routeConfigurations
            && clusters == other.clusters && endpoints == other.endpoints && secrets == other.secrets
            && warnings == other.warnings && workloads == other.workloads
    }
}
