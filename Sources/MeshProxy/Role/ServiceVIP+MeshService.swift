public import MeshAPI
public import MeshModel

extension ServiceVIP {
    /// The VIP table of a snapshot's mesh services (`Snapshot.meshServices`): one row per VIP of a
    /// `Service` (key `namespace/name`) or a `ServiceEntry` host (key `namespace/name/host`, since
    /// two entries may list the same host and each gets its own VIP), with the service's ports. A
    /// port without a protocol is TCP, as the resources document. A UDP port's endpoints are those
    /// of the VIP's family. Sorted by key, then address.
    public static func table(from services: [Snapshot.MeshService]) -> [ServiceVIP] {
        var rows: [ServiceVIP] = []
        for service in services {
            for vip in service.vips {
                let isIPv6 = vip.contains(":")
                rows.append(
                    ServiceVIP(
                        key: service.key, address: vip,
                        ports: service.ports.map { port in
                            Port(
                                number: Int(port.number), protocol: port.protocol ?? .tcp,
                                endpoints: port.endpoints.filter { $0.address.contains(":") == isIPv6 }.map {
                                    Endpoint(address: $0.address, port: Int($0.port))
                                })
                        }))
            }
        }
        return rows.sorted { ($0.key, $0.address) < ($1.key, $1.address) }
    }

    /// The VIP table of a config state and the registry's (`ConfigState.meshServices(registry:)`,
    /// what the compiler puts in the snapshot).
    public static func table(from state: ConfigState, registry: RegistryState = .empty) -> [ServiceVIP] {
        table(from: state.meshServices(registry: registry))
    }
}
