public import MeshAPI
import MeshModel

extension ServiceVIP {
    /// The VIP table of a config state: one row per VIP the store holds for a `Service` (key
    /// `namespace/name`) or a `ServiceEntry` host (key `namespace/name/host`, since two entries
    /// may list the same host and each gets its own VIP), with the resource's ports. A port
    /// without a protocol is TCP, as the resources document. `registry` is for the endpoints of
    /// UDP ports (not used yet: UDP ports get no rules). Sorted by key, then address.
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
            Port(number: Int(number), protocol: `protocol` ?? .tcp)
        }
    }
}
