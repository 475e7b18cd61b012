import MeshAPI
import MeshCompiler
import MeshModel
import Testing

@Suite("SnapshotCompiler: the mesh services on the proxy's virtualOutbound listener")
struct MeshServicesCompilationTests {
    static let yaml = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: reviews, namespace: default}
        spec:
          ports: [{name: http, number: 9080, protocol: HTTP}]
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: dns, namespace: default}
        spec:
          ports: [{name: dns, number: 53, protocol: UDP, targetPort: 5353}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: external, namespace: shop}
        spec:
          hosts: [api.example.com]
          location: MESH_EXTERNAL
          resolution: DNS
          ports: [{name: https, number: 443, protocol: TLS}]
        """

    static func compile(dnsHealth: HealthState = .passing) throws -> Snapshot {
        var config = try Fixtures.config(Self.yaml)
        let vips: [ResourceKey: [VIPAssignment]] = [
            ResourceKey(kind: .service, namespace: "default", name: "reviews"): [VIPAssignment(address: "240.240.0.10")],
            ResourceKey(kind: .service, namespace: "default", name: "dns"): [VIPAssignment(address: "240.240.0.53")],
            ResourceKey(kind: .serviceEntry, namespace: "shop", name: "external"): [
                VIPAssignment(host: "api.example.com", address: "240.240.0.99")
            ],
        ]
        for (key, assignments) in vips { config.resources[key]?.status = ResourceStatus(vips: assignments) }
        let registry = Fixtures.registry([
            Fixtures.instance("reviews", "10.0.0.1"),
            Fixtures.instance("dns", "10.0.0.5", port: 5353, portName: "dns", health: dnsHealth),
        ])
        return SnapshotCompiler.compile(config: config, registry: registry, version: 1)
    }

    @Test("virtualOutbound carries every service's names, VIPs and ports, ServiceEntry hosts first; no other listener does")
    func services() throws {
        let snapshot = try Self.compile()
        let services = try #require(snapshot.meshServices)
        #expect(services.map(\.key) == ["shop/external/api.example.com", "default/dns", "default/reviews"])
        #expect(services.map(\.vips) == [["240.240.0.99"], ["240.240.0.53"], ["240.240.0.10"]])
        #expect(services[0].kind == .serviceEntry && services[0].host == "api.example.com")
        #expect(services[2].ports == [.init(number: 9080, name: "http", protocol: .http)])
        #expect(snapshot.listeners.filter { $0.services != nil }.map(\.name) == ["virtualOutbound"])
    }

    @Test("a UDP port lists its healthy instances at their target port; an unhealthy one drops out")
    func udpEndpoints() throws {
        let healthy = try #require(try Self.compile().meshServices?.first { $0.name == "dns" })
        #expect(healthy.ports.first?.endpoints == [.init(address: "10.0.0.5", port: 5353)])
        let unhealthy = try #require(try Self.compile(dnsHealth: .critical).meshServices?.first { $0.name == "dns" })
        #expect(unhealthy.ports.first?.endpoints == [])
    }

    @Test("a gateway-only node's snapshot has no mesh services; the empty snapshot and one persisted before services were carried neither")
    func scoped() throws {
        let gateway = try Self.compile().scoped(to: .local(roles: [.gateway]))
        #expect(gateway.meshServices == nil)
        #expect(Snapshot.empty.meshServices == nil)
        var persistedBefore = try Self.compile()
        for index in persistedBefore.listeners.indices { persistedBefore.listeners[index].services = nil }
        #expect(persistedBefore.meshServices == nil, "a listener without services says nothing about them")
    }
}
