public import MeshModel

extension ConfigState {
    /// The mesh services of this state as the node proxy needs them (`Snapshot.MeshService`):
    /// every `ServiceEntry` host first (by entry key, then host as written), then every `Service`
    /// (by key), each with the VIPs the store holds for it. A ServiceEntry's `addresses` and a
    /// Service's `vip` the store does not hold are answered by DNS but not captured. A UDP port's
    /// endpoints are the healthy instances of the resource (registry `service` = its name, same
    /// namespace), each at the port the compiler would pick. What has neither VIPs nor addresses
    /// is left out.
    ///
    /// The compiler puts the result on the `virtualOutbound` listener; this is the one way the
    /// capture rules and the DNS table learn the services, in this process and on remote nodes.
    public func meshServices(registry: RegistryState = .empty) -> [Snapshot.MeshService] {
        var instancesByService: [String: [Instance]] = [:]
        for instance in registry.instances.values where instance.isHealthy {
            instancesByService["\(instance.namespace)/\(instance.service)", default: []].append(instance)
        }
        var services: [Snapshot.MeshService] = []
        for stored in resources(of: .serviceEntry) {
            guard case .serviceEntry(let spec) = stored.resource.spec else { continue }
            let key = stored.key
            let vips = vips(of: key)
            let instances = instancesByService["\(key.namespace)/\(key.name)"] ?? []
            let ports = spec.ports.map {
                Self.port($0.number, $0.name, $0.protocol, $0.targetPort, instances: instances)
            }
            for written in spec.hosts {
                let own = vips.filter { $0.host == written }.map(\.address)
                guard !own.isEmpty || !spec.addresses.isEmpty else { continue }
                services.append(
                    Snapshot.MeshService(
                        kind: .serviceEntry, namespace: key.namespace, name: key.name, host: written, vips: own,
                        addresses: spec.addresses.filter { !own.contains($0) }, ports: ports))
            }
        }
        for stored in resources(of: .service) {
            guard case .service(let spec) = stored.resource.spec else { continue }
            let key = stored.key
            let own = vips(of: key).filter { $0.host == nil }.map(\.address)
            let extra = spec.vip.map { own.contains($0) ? [] : [$0] } ?? []
            guard !own.isEmpty || !extra.isEmpty else { continue }
            let instances = instancesByService["\(key.namespace)/\(key.name)"] ?? []
            services.append(
                Snapshot.MeshService(
                    kind: .service, namespace: key.namespace, name: key.name, vips: own, addresses: extra,
                    ports: spec.ports.map { Self.port($0.number, $0.name, $0.protocol, $0.targetPort, instances: instances) }))
        }
        return services
    }

    /// A Service's or ServiceEntry's port; a UDP port with its endpoints.
    private static func port(
        _ number: UInt32, _ name: String?, _ proto: PortProtocol?, _ targetPort: UInt32?, instances: [Instance]
    ) -> Snapshot.MeshService.Port {
        guard proto == .udp else { return .init(number: number, name: name, protocol: proto) }
        let endpoints = instances.compactMap { instance in
            instancePort(of: instance, name: name, wanted: Int(targetPort ?? number)).map {
                Snapshot.MeshService.Endpoint(address: instance.address, port: UInt32($0))
            }
        }
        return .init(number: number, name: name, protocol: proto, endpoints: Array(Set(endpoints)).sorted())
    }

    /// As the compiler picks an instance's port: by name, else the target port (or the number),
    /// else the instance's only unnamed port.
    private static func instancePort(of instance: Instance, name: String?, wanted: Int) -> Int? {
        if let name, let found = instance.ports.first(where: { $0.name == name }) { return found.number }
        if instance.ports.contains(where: { $0.number == wanted }) { return wanted }
        if instance.ports.count == 1, instance.ports[0].name == nil { return instance.ports[0].number }
        return nil
    }
}
