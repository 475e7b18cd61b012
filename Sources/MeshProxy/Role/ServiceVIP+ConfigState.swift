public import MeshAPI
import MeshModel

extension ServiceVIP {
    /// The VIP table of a config state: one row per VIP the store holds for a `Service` (key
    /// `namespace/name`) or a `ServiceEntry` host (key `namespace/name/host`, since two entries
    /// may list the same host and each gets its own VIP), with the resource's ports. A port
    /// without a protocol is TCP, as the resources document. A UDP port's endpoints are the
    /// healthy instances of the resource (registry `service` = its name) with an address of the
    /// VIP's family. Sorted by key, then address.
    public static func table(from state: ConfigState, registry: RegistryState = .empty) -> [ServiceVIP] {
        var instancesByService: [String: [Instance]] = [:]
        for instance in registry.instances.values where instance.isHealthy {
            instancesByService["\(instance.namespace)/\(instance.service)", default: []].append(instance)
        }
        var rows: [ServiceVIP] = []
        for (key, stored) in state.resources {
            let vips = state.vips(of: key)
            guard !vips.isEmpty else { continue }
            let base = "\(key.namespace)/\(key.name)"
            let instances = instancesByService[base] ?? []
            let ports: [PortSpec]
            switch stored.resource.spec {
            case .service(let spec):
                ports = spec.ports.map { PortSpec(number: $0.number, name: $0.name, protocol: $0.protocol, targetPort: $0.targetPort) }
            case .serviceEntry(let spec):
                ports = spec.ports.map { PortSpec(number: $0.number, name: $0.name, protocol: $0.protocol, targetPort: $0.targetPort) }
            default:
                continue
            }
            for vip in vips {
                if case .service = stored.resource.spec, vip.host != nil { continue }
                if case .serviceEntry = stored.resource.spec, vip.host == nil { continue }
                let isIPv6 = vip.address.contains(":")
                let family = instances.filter { $0.address.contains(":") == isIPv6 }
                rows.append(
                    ServiceVIP(
                        key: vip.host.map { "\(base)/\($0)" } ?? base, address: vip.address,
                        ports: ports.map { $0.port(instances: family) }))
            }
        }
        return rows.sorted { ($0.key, $0.address) < ($1.key, $1.address) }
    }

    /// A Service's or ServiceEntry's port, whichever it came from.
    private struct PortSpec {
        var number: UInt32
        var name: String?
        var `protocol`: PortProtocol?
        var targetPort: UInt32?

        func port(instances: [Instance]) -> Port {
            let proto = `protocol` ?? .tcp
            guard proto == .udp else { return Port(number: Int(number), protocol: proto) }
            let endpoints = instances.compactMap { instance in
                instancePort(of: instance).map { Endpoint(address: instance.address, port: $0) }
            }
            return Port(number: Int(number), protocol: proto, endpoints: Array(Set(endpoints)).sorted())
        }

        /// As the compiler picks an instance's port: by name, else the target port (or the
        /// number), else the instance's only unnamed port.
        private func instancePort(of instance: Instance) -> Int? {
            if let name, let found = instance.ports.first(where: { $0.name == name }) { return found.number }
            let wanted = Int(targetPort ?? number)
            if instance.ports.contains(where: { $0.number == wanted }) { return wanted }
            if instance.ports.count == 1, instance.ports[0].name == nil { return instance.ports[0].number }
            return nil
        }
    }
}
