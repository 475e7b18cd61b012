import Foundation
import MeshAPI
import MeshCore
import MeshRegistry
import Testing

@Suite("Registry")
struct RegistryTests {
    @Test("registers, lists and deregisters instances with defaults filled in")
    func registerListDeregister() async throws {
        try await withRegistry { registry, _, _ in
            let web = try await registry.register(
                InstanceRegistration(service: "web", address: "10.0.0.1", ports: [InstancePort(name: "http", number: 8080)]))
            #expect(web.id == "web.default-10.0.0.1:8080")
            #expect(web.namespace == "default")
            #expect(web.node == "test-node")
            #expect(web.weight == 1)
            #expect(web.source == .api)
            #expect(web.health == .passing)

            let v6 = try await registry.register(
                InstanceRegistration(
                    service: "web", namespace: "prod", address: "::1", ports: [InstancePort(number: 80)], weight: 5))
            #expect(v6.id == "web.prod-[::1]:80")
            _ = try await registry.register(
                InstanceRegistration(id: "db-1", service: "db", address: "10.0.0.2", ports: [InstancePort(number: 5432)]))

            #expect(try await registry.instances(service: nil, namespace: nil).count == 3)
            #expect(try await registry.instances(service: "web", namespace: nil).map(\.id) == [web.id, v6.id])
            #expect(try await registry.instances(service: "web", namespace: "default").map(\.id) == [web.id])

            try await registry.deregister(id: web.id)
            #expect(try await registry.instances(service: "web", namespace: nil).map(\.id) == [v6.id])
            let error = await #expect(throws: MeshError.self) { try await registry.deregister(id: web.id) }
            #expect(error?.code == .notFound)
        }
    }

    static let invalidCases: [(InstanceRegistration, String)] = [
        (InstanceRegistration(service: "Web", address: "10.0.0.1", ports: [.init(number: 80)]), "service: "),
        (InstanceRegistration(service: "web", namespace: "-x", address: "10.0.0.1", ports: [.init(number: 80)]), "namespace: "),
        (InstanceRegistration(service: "web", address: "web.local", ports: [.init(number: 80)]), "address: not an IP address"),
        (InstanceRegistration(service: "web", address: "10.0.0", ports: [.init(number: 80)]), "address: not an IP address"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: []), "ports: at least one port is required"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 0)]), "ports[0].number: must be 1-65535"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80), .init(number: 70000)]), "ports[1].number: must be 1-65535"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], weight: 0), "weight: must be 1-1000"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], weight: 1001), "weight: must be 1-1000"),
        (InstanceRegistration(id: "a/b", service: "web", address: "10.0.0.1", ports: [.init(number: 80)]), "id: "),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], check: .init(kind: .http, path: "health")), "check.path: must start with '/'"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], check: .init(kind: .http, interval: "5x")), "check.interval: invalid duration \"5x\""),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], check: .init(kind: .tcp, interval: "0s")), "check.interval: must be greater than 0"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], check: .init(kind: .tcp, interval: "1s", timeout: "2s")), "check.timeout: must not exceed check.interval (1s)"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], check: .init(kind: .tcp, unhealthyThreshold: 0)), "check.unhealthyThreshold: must be at least 1"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], check: .init(kind: .ttl)), "check.ttl: required for a ttl check"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], check: .init(kind: .tcp, ttl: "5s")), "check.ttl: not supported for a tcp check"),
        (InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)], check: .init(kind: .ttl, ttl: "5s", deregisterAfter: "soon")), "check.deregisterAfter: invalid duration \"soon\""),
    ]

    @Test("rejects invalid registrations naming the field", arguments: invalidCases)
    func validation(registration: InstanceRegistration, expected: String) async throws {
        try await withRegistry { registry, _, _ in
            let error = await #expect(throws: MeshError.self) { try await registry.register(registration) }
            #expect(error?.code == .validation)
            #expect(error?.message == "invalid instance registration")
            let details = error?.details ?? []
            let named = details.contains { $0.hasPrefix(expected) }
            #expect(named, "\(details)")
            let remaining = try await registry.instances(service: nil, namespace: nil)
            #expect(remaining.isEmpty)
        }
    }

    @Test("reports every invalid field at once")
    func validationCollectsAll() async throws {
        try await withRegistry { registry, _, _ in
            let registration = InstanceRegistration(
                service: "web", address: "nope", ports: [.init(number: 0)], check: .init(kind: .http, interval: "5x"))
            let error = await #expect(throws: MeshError.self) { try await registry.register(registration) }
            #expect(
                error?.details == [
                    "address: not an IP address", "ports[0].number: must be 1-65535",
                    "check.interval: invalid duration \"5x\"",
                ])
        }
    }

    @Test("keeps API registrations across a restart, with health to be learned again")
    func persistence() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("meshbox-registry-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withRegistry(directory: dir) { registry, _, _ in
            _ = try await registry.register(
                InstanceRegistration(
                    service: "web", address: "10.0.0.1", ports: [.init(number: 80)], labels: ["version": "v1"], weight: 7))
            _ = try await registry.register(
                InstanceRegistration(
                    id: "worker-1", service: "worker", address: "10.0.0.2", ports: [.init(number: 9000)],
                    check: .init(kind: .ttl, ttl: "1h")))
            _ = try await registry.heartbeat(id: "worker-1")
            _ = try await registry.register(
                InstanceRegistration(id: "gone", service: "web", address: "10.0.0.3", ports: [.init(number: 80)]))
            try await registry.deregister(id: "gone")
        }
        try await withRegistry(directory: dir) { registry, _, _ in
            let all = try await registry.instances(service: nil, namespace: nil)
            #expect(all.map(\.id) == ["web.default-10.0.0.1:80", "worker-1"])
            #expect(all[0].labels == ["version": "v1"])
            #expect(all[0].weight == 7)
            #expect(all[0].health == .passing)
            #expect(all[1].check?.ttl == "1h")
            #expect(all[1].health == .unknown)
        }
    }

    @Test("re-registering unchanged keeps health; a changed registration replaces the instance")
    func reRegistration() async throws {
        try await withRegistry { registry, _, _ in
            let registration = InstanceRegistration(
                id: "w", service: "worker", address: "10.0.0.2", ports: [.init(number: 9000)],
                check: .init(kind: .ttl, ttl: "1h"))
            _ = try await registry.register(registration)
            _ = try await registry.heartbeat(id: "w")
            let revision = (await registry.snapshot()).revision
            let same = try await registry.register(registration)
            #expect(same.health == .passing)
            #expect((await registry.snapshot()).revision == revision)

            var changed = registration
            changed.weight = 3
            let replaced = try await registry.register(changed)
            #expect(replaced.health == .unknown)
            #expect(replaced.weight == 3)
            #expect((await registry.snapshot()).revision == revision + 1)
        }
    }

    @Test("heartbeat needs a TTL check")
    func heartbeatWithoutTTL() async throws {
        try await withRegistry { registry, _, _ in
            _ = try await registry.register(
                InstanceRegistration(id: "w", service: "web", address: "10.0.0.1", ports: [.init(number: 80)]))
            let error = await #expect(throws: MeshError.self) { try await registry.heartbeat(id: "w") }
            #expect(error?.code == .invalidArgument)
            let missing = await #expect(throws: MeshError.self) { try await registry.heartbeat(id: "nope") }
            #expect(missing?.code == .notFound)
        }
    }

    @Test("watch starts with the current state and delivers each health change in revision order")
    func watchOrder() async throws {
        try await withRegistry { registry, _, _ in
            _ = try await registry.register(
                InstanceRegistration(id: "a", service: "web", address: "10.0.0.1", ports: [.init(number: 80)]))
            var updates = registry.watch().makeAsyncIterator()
            let initial = await updates.next()
            #expect(initial?.revision == 1)
            #expect(initial?.instances["a"]?.health == .passing)

            _ = try await registry.register(
                InstanceRegistration(
                    id: "w", service: "worker", address: "10.0.0.2", ports: [.init(number: 9000)],
                    // Long enough that a loaded machine heartbeats before it lapses.
                    check: .init(kind: .ttl, ttl: "1s")))
            let registered = await updates.next()
            #expect(registered?.revision == 2)
            #expect(registered?.instances["w"]?.health == .unknown)

            // Under a loaded test run a TTL may lapse before the heartbeat lands, which adds a
            // critical state; so read on until each expected state, checking the order.
            func next(after revision: Int64?, _ what: String, _ done: (RegistryState) -> Bool) async -> RegistryState? {
                var last = revision ?? 0
                while let state = await updates.next() {
                    #expect(state.revision > last, "revisions only grow (\(what))")
                    last = state.revision
                    if done(state) { return state }
                }
                Issue.record("watch ended before \(what)")
                return nil
            }
            _ = try await registry.heartbeat(id: "w")
            let beat = await next(after: registered?.revision, "the heartbeat") { $0.instances["w"]?.health == .passing }
            #expect(beat != nil)

            // Expiry comes from the registry's own timer.
            let expired = await next(after: beat?.revision, "the TTL expiry") {
                $0.instances["w"]?.health == .critical && $0.instances["w"]?.healthOutput == "TTL expired"
            }
            #expect(expired != nil)

            try await registry.deregister(id: "a")
            let removed = await next(after: expired?.revision, "the deregistration") { $0.instances["a"] == nil }
            #expect(removed?.instances["w"] != nil)
        }
    }

    @Test("changes made within the publish interval reach watchers together")
    func coalescedPublication() async throws {
        try await withRegistry(publishInterval: .milliseconds(200)) { registry, _, _ in
            let stream = registry.watch()
            let collector = Task {
                var revisions: [Int64] = []
                for await state in stream {
                    revisions.append(state.revision)
                    if state.instances.count == 50 { break }
                }
                return revisions
            }
            for index in 0..<50 {
                _ = try await registry.register(
                    InstanceRegistration(
                        id: "i-\(index)", service: "web", address: "10.0.0.\(index + 1)", ports: [.init(number: 80)]))
            }
            let revisions = await collector.value
            #expect(revisions.last == 50)
            #expect(revisions.count < 10)
            #expect(revisions == revisions.sorted())
        }
    }

    @Test("ends every watch and refuses calls after shutdown")
    func shutdown() async throws {
        try await withRegistry { registry, _, _ in
            let stream = registry.watch()
            await registry.shutdown()
            var count = 0
            for await _ in stream { count += 1 }
            #expect(count <= 1)
            let error = await #expect(throws: MeshError.self) {
                try await registry.register(
                    InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)]))
            }
            #expect(error?.code == .unavailable)
        }
    }
}
