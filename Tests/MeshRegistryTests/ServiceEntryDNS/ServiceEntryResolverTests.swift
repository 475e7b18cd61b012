import Foundation
import Logging
import MeshAPI
import MeshDNS
import MeshModel
import MeshRegistry
import MeshTesting
import NIOPosix
import Synchronization
import Testing

@Suite("ServiceEntry resolution: DNS through a DNS server on loopback")
struct ServiceEntryResolverTests {
    /// A registry fed by a running `ServiceEntryResolver` that asks `server`; `apply` sends it a
    /// config with the given entries (namespace `shop`).
    final class Bed: Sendable {
        let registry: Registry
        let server: TestDNSServer
        let logs: LogRecorder
        let configs: AsyncStream<ConfigState>.Continuation
        let revision = Atomic<Int64>(0)

        func apply(_ entries: [(String, ServiceEntrySpec)]) {
            let next = revision.add(1, ordering: .relaxed).newValue
            configs.yield(ServiceEntryTests.config(revision: next, entries: entries))
        }

        init(registry: Registry, server: TestDNSServer, logs: LogRecorder, configs: AsyncStream<ConfigState>.Continuation) {
            self.registry = registry
            self.server = server
            self.logs = logs
            self.configs = configs
        }

        /// The addresses of `service`'s instances, once they are `expected`.
        @discardableResult
        func waitForAddresses(_ service: String, _ expected: Set<String>) async throws -> RegistryState {
            try await waitFor(registry) { state in
                Set(state.instances.values.filter { $0.service == service }.map(\.address)) == expected
            }
        }
    }

    static func withBed(minTTL: Duration = .seconds(1), _ body: (Bed) async throws -> Void) async throws {
        let server = try await TestDNSServer.start(group: MultiThreadedEventLoopGroup.singleton)
        let logs = LogRecorder()
        let settings = ServiceEntryResolver.Settings(
            resolver: DNSResolverConfiguration(
                servers: [.init(host: "127.0.0.1", port: server.port)], timeout: .seconds(2), attempts: 1),
            minTTL: minTTL, maxTTL: .seconds(4))
        let resolver = ServiceEntryResolver(settings: settings, logger: Logger(label: "test") { _ in logs.handler })
        let (configs, continuation) = AsyncStream.makeStream(of: ConfigState.self)
        do {
            try await withRegistry(publishInterval: .zero) { registry, _, _ in
                let loop = Task { await resolver.run(configs: configs, registry: registry) }
                defer {
                    continuation.finish()
                    loop.cancel()
                }
                try await body(Bed(registry: registry, server: server, logs: logs, configs: continuation))
                continuation.finish()
                await loop.value
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func entry(
        hosts: [String] = ["api.example.test"], _ resolution: ServiceEntrySpec.Resolution = .dns,
        endpoints: [WorkloadEntry] = []
    ) -> ServiceEntrySpec {
        ServiceEntrySpec(
            hosts: hosts, ports: [.init(number: 80, name: "http", targetPort: 8080)], resolution: resolution,
            endpoints: endpoints)
    }

    @Test("every address of the answer is an instance; a changed answer is picked up when its TTL runs out")
    func perAddress() async throws {
        try await Self.withBed { bed in
            bed.server.set("api.example.test", ["127.0.0.2", "127.0.0.3"], ttl: 1)
            bed.apply([("api", Self.entry())])
            let state = try await bed.waitForAddresses("api.example.test", ["127.0.0.2", "127.0.0.3"])
            let instance = try #require(state.instances.values.first { $0.address == "127.0.0.2" })
            #expect(instance.id == "api.example.test.shop-127.0.0.2:8080")
            #expect(instance.ports == [InstancePort(name: "http", number: 8080)])
            #expect(instance.source == .serviceEntry)

            bed.server.set("api.example.test", ["127.0.0.4"], ttl: 1)
            try await bed.waitForAddresses("api.example.test", ["127.0.0.4"])

            bed.apply([])  // the entry is deleted: its instances go, its name is not asked again
            try await bed.waitForAddresses("api.example.test", [])
        }
    }

    @Test("a failing server keeps the last good answer, warns once, and a recovery is picked up")
    func lastGoodAnswer() async throws {
        try await Self.withBed { bed in
            bed.server.set("api.example.test", ["127.0.0.2"], ttl: 1)
            bed.apply([("api", Self.entry())])
            try await bed.waitForAddresses("api.example.test", ["127.0.0.2"])
            let revision = await bed.registry.snapshot().revision

            bed.server.failing = true
            let asked = bed.server.queries.count
            // Two failed rounds (the retry after the first failure comes after the floor).
            try await eventually("the server is asked again", timeout: .seconds(15)) { bed.server.queries.count >= asked + 4 }
            #expect(await bed.registry.snapshot().revision == revision)
            let warnings = bed.logs.records.filter { $0.level == .warning }
            #expect(warnings.count == 1)
            #expect(warnings.first?.message == "ServiceEntry name did not resolve; its last good answer stays in use")
            #expect(warnings.first?.metadata["dns.addresses"] == "127.0.0.2")

            bed.server.failing = false
            bed.server.set("api.example.test", ["127.0.0.5"], ttl: 1)
            try await bed.waitForAddresses("api.example.test", ["127.0.0.5"])
        }
    }

    @Test("an answer that repeats publishes no new registry state")
    func unchangedAnswer() async throws {
        try await Self.withBed { bed in
            bed.server.set("api.example.test", ["127.0.0.2"], ttl: 1)
            bed.apply([("api", Self.entry())])
            try await bed.waitForAddresses("api.example.test", ["127.0.0.2"])
            let revision = await bed.registry.snapshot().revision
            let asked = bed.server.queries.count
            try await eventually("the server is asked again", timeout: .seconds(15)) { bed.server.queries.count >= asked + 4 }
            #expect(await bed.registry.snapshot().revision == revision)
        }
    }

    @Test("DNS_ROUND_ROBIN: one instance, the first address of the answer")
    func roundRobin() async throws {
        try await Self.withBed { bed in
            bed.server.set("api.example.test", ["127.0.0.5", "127.0.0.6"], ttl: 1)
            bed.apply([("api", Self.entry(.dnsRoundRobin))])
            try await bed.waitForAddresses("api.example.test", ["127.0.0.5"])
            bed.server.set("api.example.test", ["127.0.0.6", "127.0.0.5"], ttl: 1)
            try await bed.waitForAddresses("api.example.test", ["127.0.0.6"])
        }
    }

    @Test("endpoint hostnames are resolved (AAAA too) with the endpoint's labels; an IP endpoint stays as written")
    func endpointNames() async throws {
        try await Self.withBed { bed in
            bed.server.set("db.example.test", ["127.0.0.7", "::1"], ttl: 30)
            let endpoints = [
                WorkloadEntry(address: "DB.example.test", labels: ["zone": "a"]), WorkloadEntry(address: "192.0.2.9"),
            ]
            bed.apply([("db", Self.entry(hosts: ["db.shop.test", "db-alias.shop.test"], endpoints: endpoints))])
            let state = try await bed.waitForAddresses("db", ["127.0.0.7", "::1", "192.0.2.9"])
            let ipv6 = try #require(state.instances.values.first { $0.address == "::1" })
            #expect(ipv6.id == "db.shop-[::1]:8080")
            #expect(ipv6.labels == ["zone": "a"])
            #expect(bed.server.queries.allSatisfy { $0.name == "db.example.test" })
        }
    }

    @Test("each host of an entry without endpoints has its own instances")
    func hostsApart() async throws {
        try await Self.withBed { bed in
            bed.server.set("a.example.test", ["127.0.0.2"], ttl: 30)
            bed.server.set("b.example.test", ["127.0.0.3"], ttl: 30)
            bed.apply([("ab", Self.entry(hosts: ["a.example.test", "B.example.test", "*.wild.example.test"]))])
            try await bed.waitForAddresses("a.example.test", ["127.0.0.2"])
            try await bed.waitForAddresses("b.example.test", ["127.0.0.3"])
            #expect(!bed.server.queries.contains { $0.name.contains("wild") })
        }
    }
}
