import MeshAPI
import MeshModel
import MeshTesting
import Testing

@testable import MeshStore

func service(_ name: String, namespace: String = "default", vip: String? = nil, port: UInt32 = 80) -> Resource {
    Resource(
        metadata: ObjectMeta(name: name, namespace: namespace),
        spec: .service(ServiceSpec(ports: [.init(name: "http", number: port, protocol: .http)], vip: vip))
    )
}

func serviceEntry(_ name: String, hosts: [String], addresses: [String] = []) -> Resource {
    Resource(
        metadata: ObjectMeta(name: name),
        spec: .serviceEntry(
            ServiceEntrySpec(hosts: hosts, addresses: addresses, ports: [.init(number: 443, protocol: .tls, name: "tls")])
        )
    )
}

func serviceKey(_ name: String, namespace: String = "default") -> ResourceKey {
    ResourceKey(kind: .service, namespace: namespace, name: name)
}

/// A store with IPv4 VIPs only, from `cidr`.
func vipOptions(_ cidr: String = "240.240.0.0/16", v6: String? = nil) -> ConfigStore.Options {
    ConfigStore.Options(vipRanges: [VIPRange(cidr)!] + (v6.map { [VIPRange($0)!] } ?? []))
}

extension ConfigStore {
    func vips(_ key: ResourceKey) -> [String] {
        (get(key)?.status?.vips ?? []).map(\.address)
    }
}

@Suite("ConfigStore service VIPs")
struct ConfigStoreVIPTests {
    @Test("a Service gets one VIP of each configured family, shown in status and in the watched state")
    func allocatesBothFamilies() async throws {
        try await withStore { store, _ in
            _ = try await store.apply([service("web")])
            let vips = try #require(await store.get(serviceKey("web"))?.status?.vips)
            #expect(vips.count == 2)
            #expect(VIPRange("240.240.0.0/16")!.contains(vips[0].address))
            #expect(VIPRange("2001:2::/48")!.contains(vips[1].address))
            #expect(vips.allSatisfy { !$0.fixed && $0.host == nil })
            #expect(await store.currentState().vips(of: serviceKey("web")) == vips)
            let spec = await store.get(serviceKey("web"))?.resource.spec
            #expect(spec == service("web").spec, "the VIP does not enter the user's spec")
        }
    }

    @Test("re-applying, changing ports and rolling back keep the VIP; restarting the store keeps it")
    func stable() async throws {
        let directory = try TemporaryDirectory(prefix: "meshstore-vip")
        defer { directory.remove() }
        let path = directory.file("config.db")
        let store = try ConfigStore(path: path, options: vipOptions())
        _ = try await store.apply([service("web")])
        let first = await store.vips(serviceKey("web"))
        #expect(first.count == 1)
        _ = try await store.apply([service("web"), service("other")])
        #expect(await store.vips(serviceKey("web")) == first)
        let changed = try await store.apply([service("web", port: 8080)])
        #expect(await store.vips(serviceKey("web")) == first)
        _ = try await store.rollback(serviceKey("web"), to: changed.revision - 1)
        #expect(await store.vips(serviceKey("web")) == first)
        let other = await store.vips(serviceKey("other"))
        await store.close()

        let reopened = try ConfigStore(path: path, options: vipOptions())
        #expect(await reopened.vips(serviceKey("web")) == first)
        #expect(await reopened.vips(serviceKey("other")) == other)
        await reopened.close()
    }

    @Test("rolling a delete back gives the service its VIP again; rolling back to a colliding vip is refused")
    func rollbackOfDelete() async throws {
        try await withStore(options: vipOptions()) { store, _ in
            let created = try await store.apply([service("web")])
            let address = try #require(await store.vips(serviceKey("web")).first)
            _ = try await store.delete([serviceKey("web")])
            _ = try await store.rollback(serviceKey("web"), to: created.revision)
            #expect(await store.vips(serviceKey("web")) == [address])

            let fixed = try await store.apply([service("pinned", vip: "10.0.0.7")])
            _ = try await store.apply([service("pinned", vip: "10.0.0.8"), service("other", vip: "10.0.0.7")])
            let revision = await store.currentRevision()
            await #expect(throws: ValidationError.self) { try await store.rollback(serviceKey("pinned"), to: fixed.revision) }
            #expect(await store.currentRevision() == revision)
        }
    }

    @Test("the choice is deterministic: two stores given the same writes agree")
    func deterministic() async throws {
        var results: [[String]] = []
        for _ in 0..<2 {
            try await withStore(options: vipOptions("240.240.0.0/24")) { store, _ in
                _ = try await store.apply((0..<20).map { service("s\($0)") })
                var all: [String] = []
                for index in 0..<20 { all += await store.vips(serviceKey("s\(index)")) }
                results.append(all)
            }
        }
        #expect(results[0] == results[1])
        #expect(Set(results[0]).count == 20, "no address is given twice")
    }

    @Test("delete frees the VIP: a new service can take it as its fixed vip")
    func deleteFrees() async throws {
        try await withStore(options: vipOptions()) { store, _ in
            _ = try await store.apply([service("web")])
            let address = try #require(await store.vips(serviceKey("web")).first)
            await #expect(throws: ValidationError.self) { try await store.apply([service("taker", vip: address)]) }
            _ = try await store.delete([serviceKey("web")])
            _ = try await store.apply([service("taker", vip: address)])
            #expect(await store.vips(serviceKey("taker")) == [address])
            #expect(await store.get(serviceKey("taker"))?.status?.vips.first?.fixed == true)
        }
    }

    @Test("a fixed vip is honoured wherever it lies, and never allocated to another service")
    func fixedHonoured() async throws {
        try await withStore(options: vipOptions("240.240.0.0/30")) { store, _ in
            _ = try await store.apply([service("fixed", vip: "240.240.0.1"), service("outside", vip: "10.96.0.20")])
            #expect(await store.vips(serviceKey("fixed")) == ["240.240.0.1"])
            #expect(await store.vips(serviceKey("outside")) == ["10.96.0.20"])
            _ = try await store.apply([service("auto")])
            #expect(await store.vips(serviceKey("auto")) == ["240.240.0.2"], "the one address the fixed vip left")
        }
    }

    @Test("a fixed vip equal to another one or to an allocated VIP is refused with its path, nothing applied")
    func collisions() async throws {
        try await withStore(options: vipOptions()) { store, _ in
            _ = try await store.apply([service("web")])
            let taken = try #require(await store.vips(serviceKey("web")).first)
            let revision = await store.currentRevision()
            do {
                _ = try await store.apply([service("ok"), service("thief", vip: taken)])
                Issue.record("a taken VIP was accepted")
            } catch let error as ValidationError {
                #expect(error.issues.map(\.description) == ["Service default/thief: spec.vip: \(taken) is already the VIP of Service default/web"])
            }
            do {
                _ = try await store.apply([service("a", vip: "10.0.0.1"), service("b", vip: "10.0.0.1")])
                Issue.record("two equal fixed VIPs were accepted")
            } catch let error as ValidationError {
                #expect(error.issues.map(\.description) == ["Service default/b: spec.vip: 10.0.0.1 is also the spec.vip of Service default/a"])
            }
            _ = try await store.apply([service("a", vip: "10.0.0.1")])
            await #expect(throws: ValidationError.self) { try await store.apply([service("b", vip: "10.0.0.1")]) }
            #expect(await store.currentRevision() == revision + 1, "only the valid apply wrote")
            #expect(await store.get(serviceKey("ok")) == nil)
            #expect(await store.get(serviceKey("b")) == nil)
            // Moving a fixed vip from one service to another in one batch is fine.
            _ = try await store.apply([service("a", vip: "10.0.0.2"), service("b", vip: "10.0.0.1")])
            #expect(await store.vips(serviceKey("b")) == ["10.0.0.1"])
        }
    }

    @Test("an exhausted range is refused with the field path and nothing applied")
    func exhaustion() async throws {
        try await withStore(options: vipOptions("240.240.0.0/30")) { store, _ in
            _ = try await store.apply([service("a"), service("b")])
            let revision = await store.currentRevision()
            do {
                _ = try await store.apply([service("c"), policy("p")])
                Issue.record("a third service fitted in two addresses")
            } catch let error as ValidationError {
                #expect(
                    error.issues.map(\.description) == [
                        "Service default/c: spec.vip: no free address left in serviceCIDR 240.240.0.0/30 (2 usable addresses);"
                            + " set spec.vip or widen serviceCIDR"
                    ]
                )
            }
            do {
                _ = try await store.apply([serviceEntry("ext", hosts: ["api.example.com"])])
                Issue.record("a ServiceEntry host fitted in a full range")
            } catch let error as ValidationError {
                #expect(error.issues.first?.path == "spec.hosts[0]")
            }
            #expect(await store.currentRevision() == revision)
            #expect(await store.get(policyKey("p")) == nil)
            // A ServiceEntry with addresses needs no VIP; a dry run is refused like the apply.
            _ = try await store.apply([serviceEntry("fixed", hosts: ["db.example.com"], addresses: ["192.0.2.1"])])
            await #expect(throws: ValidationError.self) { try await store.apply([service("c")], dryRun: true) }
        }
    }

    @Test("each ServiceEntry host without addresses gets its own VIP; wildcard hosts get none")
    func serviceEntryHosts() async throws {
        try await withStore(options: vipOptions()) { store, _ in
            let entry = serviceEntry("ext", hosts: ["a.example.com", "b.example.com"])
            _ = try await store.apply([entry])
            let key = entry.key
            let vips = try #require(await store.get(key)?.status?.vips)
            #expect(vips.map(\.host) == ["a.example.com", "b.example.com"])
            #expect(Set(vips.map(\.address)).count == 2)
            // Dropping a host frees its VIP, the other host keeps its own.
            _ = try await store.apply([serviceEntry("ext", hosts: ["b.example.com"])])
            #expect(await store.get(key)?.status?.vips == [vips[1]])
            var wildcard = serviceEntry("wild", hosts: ["*.example.org"])
            if case .serviceEntry(var spec) = wildcard.spec {
                spec.resolution = ServiceEntrySpec.Resolution.none
                wildcard.spec = .serviceEntry(spec)
            }
            _ = try await store.apply([wildcard])
            #expect(await store.get(wildcard.key)?.status == nil)
        }
    }

    @Test("a narrower range at the next start re-allocates the VIPs outside it, and keeps the rest")
    func rangeChange() async throws {
        let directory = try TemporaryDirectory(prefix: "meshstore-vip")
        defer { directory.remove() }
        let path = directory.file("config.db")
        let store = try ConfigStore(path: path, options: vipOptions("240.240.0.0/16", v6: "fd00::/112"))
        _ = try await store.apply([service("web"), service("pinned", vip: "10.1.1.1")])
        await store.close()
        let reopened = try ConfigStore(path: path, options: vipOptions("240.241.0.0/24"))
        let vips = await reopened.vips(serviceKey("web"))
        #expect(vips.count == 1)
        #expect(VIPRange("240.241.0.0/24")!.contains(vips[0]))
        #expect(await reopened.vips(serviceKey("pinned")) == ["10.1.1.1"])
        await reopened.close()
        let again = try ConfigStore(path: path, options: vipOptions("240.241.0.0/24"))
        #expect(await again.vips(serviceKey("web")) == vips)
        await again.close()
    }
}
