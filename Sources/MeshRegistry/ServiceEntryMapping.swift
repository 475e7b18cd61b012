import Foundation
import MeshAPI
import MeshModel
import NIOCore

/// ServiceEntry → instances: each endpoint of a `resolution: STATIC` ServiceEntry becomes an
/// instance (`DNS` and `DNS_ROUND_ROBIN` ones come through `ServiceEntryDNSMapping`, which
/// builds on this with the resolved addresses; `NONE` has none).
///
/// - `service` is the ServiceEntry's `metadata.name` and `namespace` its namespace (hosts may be
///   many and are names like `api.example.com`; the name is the one key a Service also has);
/// - ports: one per ServiceEntry port, numbered by the endpoint's `ports[portName]`, else the
///   port's `targetPort`, else its `number` (Istio's order);
/// - `labels` and `weight` (0 or absent = 1, capped at 1000) from the endpoint; `node` is empty
///   (an external endpoint runs on no meshbox node); health `passing`, no checks; `serviceAccount`
///   from the endpoint (default `default`), no `runAs`;
/// - id `<name>.<namespace>-<address>:<first port>` like an API registration's default; an
///   endpoint without an IP address, or without ports, is skipped; duplicates collapse.
enum ServiceEntryMapping {
    static let healthOutput = "ServiceEntry endpoint"

    static func instances(of resource: Resource, now: Date) -> [Instance] {
        guard case .serviceEntry(let spec) = resource.spec, spec.resolution == .static else { return [] }
        let name = resource.metadata.name
        let namespace = resource.metadata.namespace
        var result: [Instance] = []
        for endpoint in spec.endpoints {
            guard let address = endpoint.address, (try? SocketAddress(ipAddress: address, port: 0)) != nil else {
                continue
            }
            let ports = spec.ports.compactMap { port -> InstancePort? in
                let number = port.name.flatMap { endpoint.ports[$0] } ?? port.targetPort ?? port.number
                guard (1...65535).contains(number) else { return nil }
                return InstancePort(name: port.name, number: Int(number))
            }
            guard let firstPort = ports.first else { continue }
            let id = RegistrationValidator.defaultID(
                service: name, namespace: namespace, address: address, isIPv6: address.contains(":"),
                port: firstPort.number)
            guard RegistrationValidator.idProblem(id) == nil else { continue }
            let weight = min(1000, max(1, Int(endpoint.weight ?? 1)))
            result.append(
                Instance(
                    id: id, service: name, namespace: namespace, address: address, ports: ports,
                    labels: endpoint.labels, node: "", weight: weight, check: nil, source: .serviceEntry,
                    health: .passing, healthOutput: healthOutput, registeredAt: now, healthChangedAt: now,
                    serviceAccount: endpoint.serviceAccount ?? Instance.defaultServiceAccount))
        }
        return result
    }
}
