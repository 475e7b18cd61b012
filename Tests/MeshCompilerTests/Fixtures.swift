import Foundation
import MeshAPI
import MeshModel

/// Inputs for compiler tests: config from YAML (decoded and validated like user input) and
/// registry states built from instances.
enum Fixtures {
    static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("etc/examples")

    /// The example files joined as one multi-document YAML text.
    static func examples(_ names: String...) throws -> String {
        try names.map { try String(contentsOf: examples.appendingPathComponent($0), encoding: .utf8) }
            .joined(separator: "\n---\n")
    }

    /// The bookinfo gateway, reviews VirtualService, DestinationRule and Service.
    static func bookinfo() throws -> String {
        try examples("gateway.yaml", "virtualservice-reviews.yaml", "destinationrule-reviews.yaml", "service-reviews.yaml")
    }

    static func config(_ yaml: String, revision: Int64 = 1) throws -> ConfigState {
        let resources = try ResourceDecoder.decode(yaml)
        var stored: [ResourceKey: StoredResource] = [:]
        for resource in resources {
            stored[resource.key] = StoredResource(
                resource: resource, revision: revision, createRevision: revision, version: 1,
                updatedAt: Date(timeIntervalSince1970: 0))
        }
        return ConfigState(revision: revision, resources: stored)
    }

    static func instance(
        _ service: String,
        _ address: String,
        port: Int = 9080,
        portName: String? = "http",
        labels: [String: String] = [:],
        health: HealthState = .passing,
        namespace: String = "default",
        weight: Int = 1
    ) -> Instance {
        let date = Date(timeIntervalSince1970: 0)
        return Instance(
            id: "\(namespace)/\(service)/\(address):\(port)", service: service, namespace: namespace, address: address,
            ports: [InstancePort(name: portName, number: port)], labels: labels, node: "node-1", weight: weight,
            check: nil, source: .api, health: health, healthOutput: "", registeredAt: date, healthChangedAt: date)
    }

    static func registry(_ instances: [Instance], revision: Int64 = 1) -> RegistryState {
        RegistryState(revision: revision, instances: Dictionary(uniqueKeysWithValues: instances.map { ($0.id, $0) }))
    }

    /// reviews v1 (two instances, one unhealthy), v2 and v3.
    static func reviewsInstances() -> [Instance] {
        [
            instance("reviews", "10.0.0.1", labels: ["app": "reviews", "version": "v1"]),
            instance("reviews", "10.0.0.2", labels: ["app": "reviews", "version": "v1"], health: .critical),
            instance("reviews", "10.0.0.3", labels: ["app": "reviews", "version": "v2"]),
            instance("reviews", "10.0.0.4", labels: ["app": "reviews", "version": "v3"], weight: 5),
        ]
    }
}
