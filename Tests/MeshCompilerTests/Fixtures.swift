import Foundation
import MeshAPI
import MeshModel
import MeshTesting

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

    /// The bookinfo gateway, reviews VirtualService, DestinationRule and Service, and the
    /// gateway's `bookinfo-cert` Secret (minted now; no key is checked in).
    static func bookinfo() throws -> String {
        try examples("gateway.yaml", "virtualservice-reviews.yaml", "destinationrule-reviews.yaml", "service-reviews.yaml")
            + "\n---\n" + bookinfoCertificate.get()
    }

    /// Minted once per run, so that compiling bookinfo twice gives the same snapshot.
    private static let bookinfoCertificate = Result { try tlsSecret("bookinfo-cert", dnsName: "bookinfo.example.com").yaml }

    /// A `kubernetes.io/tls` Secret with a fresh leaf for `dnsName` (and its CA as `ca.crt` when
    /// `withCA`), as YAML with the PEM in `stringData`, plus the PKI that made it.
    static func tlsSecret(
        _ name: String, namespace: String = "default", dnsName: String, withCA: Bool = false,
        authority: TestPKI.Authority? = nil
    ) throws -> (yaml: String, leaf: TestPKI.Leaf, authority: TestPKI.Authority) {
        let authority = try authority ?? TestPKI.Authority(trustDomain: "example.com")
        let leaf = try authority.issue(spiffeID: nil, dnsName: dnsName, notValidAfter: Date().addingTimeInterval(90 * 86400))
        var values = ["tls.crt": try leaf.chainPEM, "tls.key": leaf.privateKeyPEM]
        if withCA { values["ca.crt"] = try authority.certificatePEM }
        return (secretYAML(name, namespace: namespace, type: "kubernetes.io/tls", values: values), leaf, authority)
    }

    /// A Secret document with `values` as block scalars in `stringData`.
    static func secretYAML(_ name: String, namespace: String = "default", type: String, values: [String: String]) -> String {
        var yaml = "apiVersion: v1\nkind: Secret\nmetadata: {name: \(name), namespace: \(namespace)}\ntype: \(type)\nstringData:\n"
        for key in values.keys.sorted() {
            yaml += "  \(key): |\n" + values[key]!.split(separator: "\n").map { "    \($0)\n" }.joined()
        }
        return yaml
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

extension Snapshot {
    /// The Gateways' listeners: what a gateway node serves (the node proxy's `virtualOutbound`
    /// is in every snapshot).
    var gatewayListeners: [Snapshot.Listener] { listeners.filter { $0.role == .gateway } }
}
