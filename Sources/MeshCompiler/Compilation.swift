import MeshAPI
import MeshModel

/// The working state of one `SnapshotCompiler.compile` call.
///
/// Inputs are read in sorted order (resource keys, instance ids) so that equal inputs give
/// equal snapshots.
struct Compilation {
    /// A cluster some route or listener refers to; built after all routes are known.
    struct ClusterRequest {
        var name: String
        var fqdn: String
        var port: UInt32
        var subset: String?
        var target: ServiceTarget?
        /// The resource and field that first asked for it, for warnings.
        var origin: ResourceKey
        var path: String
        var sourceNamespace: String
    }

    struct VirtualService {
        var key: ResourceKey
        var spec: VirtualServiceSpec
    }

    struct DestinationRule {
        var key: ResourceKey
        var spec: DestinationRuleSpec
    }

    let config: ConfigState
    let registry: RegistryState
    let options: SnapshotCompiler.Options
    let catalog: ServiceCatalog
    let virtualServices: [VirtualService]
    /// By the fqdn of their host; the first by resource key wins.
    let destinationRules: [String: DestinationRule]
    /// Registered instances by `namespace/service`, sorted by id: read once, not filtered from
    /// the whole registry per cluster (10,000 services would cost 10,000 passes over it).
    let instancesByService: [String: [Instance]]
    /// The ca role's material (mesh identity, trust bundle, mesh-CA server certificates); nil when
    /// the ca role is not reachable from this compiler.
    var ca: MeshCAMaterial?
    /// JSON Web Key Sets fetched from RequestAuthentication `jwksUri`s, by URI (`JWKSFetcher`).
    var jwks: [String: String] = [:]

    var warnings: [FieldIssue] = []
    private var warned: Set<FieldIssue> = []
    var clusterRequests: [String: ClusterRequest] = [:]
    var listeners: [Snapshot.Listener] = []
    var routeConfigurations: [Snapshot.RouteConfiguration] = []
    var secrets: [String: Snapshot.SecretReference] = [:]
    /// The service port whose routes are being compiled for the node proxy: a destination without
    /// a port, on a service with several, takes this one when it has it (Istio's listener port).
    var routedPort: UInt32?

    init(config: ConfigState, registry: RegistryState, options: SnapshotCompiler.Options) {
        self.config = config
        self.registry = registry
        self.options = options
        instancesByService = Dictionary(grouping: registry.instances.values) { "\($0.namespace)/\($0.service)" }
            .mapValues { $0.sorted { $0.id < $1.id } }
        let catalog = ServiceCatalog(config: config, registry: registry)
        self.catalog = catalog
        virtualServices = config.resources(of: .virtualService).compactMap { stored in
            guard case .virtualService(let spec) = stored.resource.spec else { return nil }
            return VirtualService(key: stored.key, spec: spec)
        }
        var rules: [String: DestinationRule] = [:]
        var duplicates: [FieldIssue] = []
        for stored in config.resources(of: .destinationRule) {
            guard case .destinationRule(let spec) = stored.resource.spec else { continue }
            let fqdn = catalog.fqdn(of: spec.host, in: stored.key.namespace)
            if let first = rules[fqdn] {
                duplicates.append(
                    FieldIssue(
                        resource: stored.key.description, path: "spec.host",
                        message: "host \(fqdn) already has \(first.key); this rule is ignored", severity: .warning))
                continue
            }
            rules[fqdn] = DestinationRule(key: stored.key, spec: spec)
        }
        destinationRules = rules
        for issue in duplicates { warn(issue) }
    }

    /// The registered instances of a service, sorted by id (`RegistryState.instances(service:namespace:)`).
    func instances(of target: ServiceTarget) -> [Instance] {
        instancesByService["\(target.registryNamespace)/\(target.registryName)"] ?? []
    }

    mutating func warn(_ issue: FieldIssue) {
        if warned.insert(issue).inserted { warnings.append(issue) }
    }

    mutating func warn(_ key: ResourceKey, _ path: String, _ message: String) {
        warn(FieldIssue(resource: key.description, path: path, message: message, severity: .warning))
    }

    /// Registers the cluster for `destination` (written in `owner`'s namespace) and returns its name.
    mutating func requestCluster(
        _ destination: VirtualServiceSpec.Destination,
        owner: ResourceKey,
        path: String
    ) -> String {
        let target = catalog.resolve(destination.host, in: owner.namespace)
        let fqdn = target?.fqdn ?? catalog.fqdn(of: destination.host, in: owner.namespace)
        if target == nil {
            warn(owner, path + ".host", "host \(destination.host) is not a known Service, ServiceEntry or registered service")
        }
        let port: UInt32
        if let number = destination.port?.number {
            port = number
        } else if let routedPort, let ports = target?.ports, ports.count > 1, ports.contains(where: { $0.number == routedPort }) {
            port = routedPort
        } else if let first = target?.ports.first {
            if (target?.ports.count ?? 0) > 1 {
                warn(owner, path + ".port", "\(fqdn) has several ports; using \(first.number)")
            }
            port = first.number
        } else {
            port = 0
        }
        let subset = destination.subset.flatMap { $0.isEmpty ? nil : $0 }
        let name = Snapshot.Cluster.name(host: fqdn, port: port, subset: subset)
        if clusterRequests[name] == nil {
            clusterRequests[name] = ClusterRequest(
                name: name, fqdn: fqdn, port: port, subset: subset, target: target, origin: owner, path: path,
                sourceNamespace: owner.namespace)
        }
        return name
    }
}
