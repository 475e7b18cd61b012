import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshRegistry
import Testing

@Suite("ServiceEntry instances")
struct ServiceEntryTests {
    static func config(revision: Int64, entries: [(String, ServiceEntrySpec)]) -> ConfigState {
        var resources: [ResourceKey: StoredResource] = [:]
        for (name, spec) in entries {
            let resource = Resource(metadata: ObjectMeta(name: name, namespace: "shop"), spec: .serviceEntry(spec))
            resources[resource.key] = StoredResource(
                resource: resource, revision: revision, createRevision: revision, version: 1, updatedAt: Date())
        }
        return ConfigState(revision: revision, resources: resources)
    }

    static let payments = ServiceEntrySpec(
        hosts: ["payments.example.com"],
        ports: [.init(number: 443, protocol: .https, name: "https"), .init(number: 80, name: "http", targetPort: 8080)],
        resolution: .static,
        endpoints: [
            WorkloadEntry(address: "192.0.2.10", labels: ["zone": "a"], weight: 3),
            WorkloadEntry(address: "192.0.2.11", ports: ["https": 8443]),
            WorkloadEntry(address: "payments.internal"),
        ])

    @Test("maps each endpoint of a STATIC ServiceEntry to a passing instance")
    func mapping() async throws {
        try await withRegistry { registry, _, _ in
            let dns = ServiceEntrySpec(
                hosts: ["example.com"], ports: [.init(number: 443, name: "https")], resolution: .dns,
                endpoints: [WorkloadEntry(address: "192.0.2.20")])
            await registry.applyConfig(Self.config(revision: 1, entries: [("payments", Self.payments), ("web", dns)]))

            // The DNS entry's endpoint is an IP address: used as written, with nothing to resolve.
            let instances = try await registry.instances(service: nil, namespace: nil)
            #expect(
                instances.map(\.id) == [
                    "payments.shop-192.0.2.10:443", "payments.shop-192.0.2.11:8443", "web.shop-192.0.2.20:443",
                ])
            let first = try #require(instances.first)
            #expect(first.service == "payments")
            #expect(first.namespace == "shop")
            #expect(first.source == .serviceEntry)
            #expect(first.health == .passing)
            #expect(first.ports == [InstancePort(name: "https", number: 443), InstancePort(name: "http", number: 8080)])
            #expect(first.labels == ["zone": "a"])
            #expect(first.weight == 3)
            #expect(instances[1].ports.first == InstancePort(name: "https", number: 8443))
            #expect(instances[1].weight == 1)
        }
    }

    @Test("ServiceEntry instances cannot be deregistered or overwritten through the API")
    func conflict() async throws {
        try await withRegistry { registry, _, _ in
            await registry.applyConfig(Self.config(revision: 1, entries: [("payments", Self.payments)]))
            let error = await #expect(throws: MeshError.self) {
                try await registry.deregister(id: "payments.shop-192.0.2.10:443")
            }
            #expect(error?.code == .conflict)
            let overwrite = await #expect(throws: MeshError.self) {
                try await registry.register(
                    InstanceRegistration(
                        id: "payments.shop-192.0.2.10:443", service: "payments", address: "192.0.2.10",
                        ports: [.init(number: 443)]))
            }
            #expect(overwrite?.code == .conflict)
        }
    }

    @Test("changed and removed ServiceEntries update the instances in one revision each")
    func updates() async throws {
        try await withRegistry { registry, _, _ in
            _ = try await registry.register(
                InstanceRegistration(id: "api-1", service: "web", address: "10.0.0.1", ports: [.init(number: 80)]))
            await registry.applyConfig(Self.config(revision: 1, entries: [("payments", Self.payments)]))
            let before = (await registry.snapshot()).revision

            var changed = Self.payments
            changed.endpoints = [WorkloadEntry(address: "192.0.2.10", labels: ["zone": "b"], weight: 3)]
            await registry.applyConfig(Self.config(revision: 2, entries: [("payments", changed)]))
            #expect((await registry.snapshot()).revision == before + 1)
            let instances = try await registry.instances(service: "payments", namespace: "shop")
            #expect(instances.map(\.id) == ["payments.shop-192.0.2.10:443"])
            #expect(instances.first?.labels == ["zone": "b"])

            // An unchanged config publishes nothing.
            await registry.applyConfig(Self.config(revision: 3, entries: [("payments", changed)]))
            #expect((await registry.snapshot()).revision == before + 1)

            await registry.applyConfig(Self.config(revision: 4, entries: []))
            #expect((await registry.snapshot()).revision == before + 2)
            let remaining = try await registry.instances(service: nil, namespace: nil)
            #expect(remaining.map(\.id) == ["api-1"])
        }
    }
}
