import Foundation
import MeshAPI
import MeshCore

/// An in-memory `RegistryAPI` with the contract's error codes.
actor FakeRegistry: RegistryAPI {
    private var instances: [String: Instance] = [:]
    private var revision: Int64 = 0
    nonisolated let states = Watch(RegistryState.empty)

    func register(_ registration: InstanceRegistration) async throws -> Instance {
        guard !registration.service.isEmpty else { throw MeshError(.validation, "invalid instance", details: ["service: must not be empty"]) }
        guard let firstPort = registration.ports.first else {
            throw MeshError(.validation, "invalid instance", details: ["ports: at least one port is required"])
        }
        let namespace = registration.namespace ?? "default"
        let id = registration.id ?? "\(namespace)/\(registration.service)/\(registration.address):\(firstPort.number)"
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let instance = Instance(
            id: id, service: registration.service, namespace: namespace, address: registration.address,
            ports: registration.ports, labels: registration.labels ?? [:], node: registration.node ?? "local",
            weight: registration.weight ?? 1, check: registration.check, source: .api,
            health: registration.check == nil ? .passing : .unknown, healthOutput: "", registeredAt: now,
            healthChangedAt: now
        )
        instances[id] = instance
        publish()
        return instance
    }

    func deregister(id: String) async throws {
        guard instances.removeValue(forKey: id) != nil else { throw MeshError(.notFound, "instance \(id) not found") }
        publish()
    }

    func heartbeat(id: String) async throws -> Instance {
        guard var instance = instances[id] else { throw MeshError(.notFound, "instance \(id) not found") }
        guard instance.check?.kind == .ttl else {
            throw MeshError(.invalidArgument, "instance \(id) has no TTL check")
        }
        instance.health = .passing
        instances[id] = instance
        publish()
        return instance
    }

    func instances(service: String?, namespace: String?) async throws -> [Instance] {
        instances.values
            .filter { service == nil || $0.service == service }
            .filter { namespace == nil || $0.namespace == namespace }
            .sorted { $0.id < $1.id }
    }

    nonisolated func watch() -> AsyncStream<RegistryState> { states.updates() }

    private func publish() {
        revision += 1
        states.send(RegistryState(revision: revision, instances: instances))
    }
}
