import MeshAPI
import MeshModel

/// A destination the compiler can route to: a meshbox Service, a ServiceEntry host, or a
/// service known only from registered instances.
struct ServiceTarget: Sendable, Hashable {
    struct Port: Sendable, Hashable {
        var number: UInt32
        var name: String?
        var `protocol`: PortProtocol?
        var targetPort: UInt32?
    }

    /// `reviews.default.svc.cluster.local` or a ServiceEntry host.
    var fqdn: String
    /// Where the instances live in the registry.
    var registryName: String
    var registryNamespace: String
    /// Sorted by number.
    var ports: [Port]
    /// Set for a ServiceEntry that is not `STATIC` (its instances are not in the registry).
    var resolution: ServiceEntrySpec.Resolution?
    /// The VIPs the config store holds for it (fixed or allocated, IPv4 first): the node proxy's
    /// listeners (`Compilation+Mesh`). Empty for registry-only services.
    var vips: [String] = []
    /// The Service or ServiceEntry that declares it (warnings name it); nil for registry-only services.
    var resource: ResourceKey? = nil
}

/// Resolves destination and DestinationRule hosts to targets, Istio style.
struct ServiceCatalog {
    private var services: [String: ServiceTarget] = [:]
    private var entryHosts: [String: ServiceTarget] = [:]
    private var registryPorts: [String: [ServiceTarget.Port]] = [:]

    init(config: ConfigState, registry: RegistryState) {
        for stored in config.resources(of: .service) {
            guard case .service(let spec) = stored.resource.spec else { continue }
            let key = stored.key
            let fqdn = HostName.fullyQualified(service: key.name, namespace: key.namespace)
            let ports = spec.ports.map {
                ServiceTarget.Port(number: $0.number, name: $0.name, protocol: $0.protocol, targetPort: $0.targetPort)
            }
            services[fqdn] = ServiceTarget(
                fqdn: fqdn, registryName: key.name, registryNamespace: key.namespace,
                ports: ports.sorted { $0.number < $1.number }, resolution: nil,
                vips: config.vips(of: key).map(\.address), resource: key)
        }
        for stored in config.resources(of: .serviceEntry) {
            guard case .serviceEntry(let spec) = stored.resource.spec else { continue }
            let ports = spec.ports.map {
                ServiceTarget.Port(number: $0.number, name: $0.name, protocol: $0.protocol, targetPort: $0.targetPort)
            }
            let vips = stored.status?.vips ?? []
            for written in spec.hosts {
                let host = written.lowercased()
                guard entryHosts[host] == nil, !host.contains("*") else { continue }
                // A DNS entry without endpoints has each host's resolved addresses under the host.
                let registryName = spec.registryService(forHost: host, entryName: stored.key.name)
                entryHosts[host] = ServiceTarget(
                    fqdn: host, registryName: registryName, registryNamespace: stored.key.namespace,
                    ports: ports.sorted { $0.number < $1.number }, resolution: spec.resolution ?? ServiceEntrySpec.Resolution.none,
                    vips: vips.filter { $0.host == written }.map(\.address), resource: stored.key)
            }
        }
        // Services known only from registrations: their ports are the instances' ports.
        for instance in registry.instances.values.sorted(by: { $0.id < $1.id }) where instance.source == .api {
            let fqdn = HostName.fullyQualified(service: instance.service, namespace: instance.namespace)
            var ports = registryPorts[fqdn] ?? []
            for port in instance.ports where !ports.contains(where: { $0.number == UInt32(port.number) }) {
                ports.append(ServiceTarget.Port(number: UInt32(port.number), name: port.name))
            }
            registryPorts[fqdn] = ports
        }
    }

    /// The Services and ServiceEntry hosts that have a VIP, by name: what the node proxy serves.
    var withVIPs: [ServiceTarget] {
        (services.values.filter { !$0.vips.isEmpty } + entryHosts.values.filter { !$0.vips.isEmpty })
            .sorted { $0.fqdn < $1.fqdn }
    }

    /// The fully qualified name of `host` as written in `namespace`: a ServiceEntry host as is,
    /// a Service name expanded (`reviews` → `reviews.default.svc.cluster.local`).
    func fqdn(of host: String, in namespace: String) -> String {
        let lower = host.lowercased()
        if entryHosts[lower] != nil { return lower }
        if let service = HostName.serviceName(of: lower, in: namespace) {
            return HostName.fullyQualified(service: service.name, namespace: service.namespace)
        }
        return lower
    }

    /// The target `host` names from `namespace`, or nil when nothing by that name exists.
    func resolve(_ host: String, in namespace: String) -> ServiceTarget? {
        let fqdn = fqdn(of: host, in: namespace)
        if let entry = entryHosts[fqdn] { return entry }
        if let service = services[fqdn] { return service }
        if let ports = registryPorts[fqdn], let service = HostName.serviceName(of: fqdn, in: namespace) {
            return ServiceTarget(
                fqdn: fqdn, registryName: service.name, registryNamespace: service.namespace,
                ports: ports.sorted { $0.number < $1.number }, resolution: nil)
        }
        return nil
    }
}
