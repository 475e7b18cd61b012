import Foundation
import MeshAPI
import MeshModel
import MeshProxy
import Testing

@Suite("ServiceVIP.table(from:registry:)")
struct ServiceVIPTableTests {
    @Test("a Service's VIPs become rows keyed namespace/name with its ports; no protocol means TCP")
    func service() {
        let state = Self.state([
            Self.stored(
                .service(ServiceSpec(ports: [.init(name: "http", number: 9080, protocol: .http), .init(number: 7000)])),
                name: "reviews", vips: [.init(address: "240.240.0.7"), .init(address: "2001:2::7")])
        ])
        #expect(
            ServiceVIP.table(from: state) == [
                ServiceVIP(key: "default/reviews", address: "2001:2::7", ports: [.init(number: 9080, protocol: .http), .init(number: 7000)]),
                ServiceVIP(key: "default/reviews", address: "240.240.0.7", ports: [.init(number: 9080, protocol: .http), .init(number: 7000)]),
            ])
    }

    @Test("each ServiceEntry host gets its own row, keyed namespace/name/host")
    func serviceEntryHosts() {
        let spec = ServiceEntrySpec(hosts: ["a.example.com", "b.example.com"], ports: [.init(number: 443, protocol: .tls)])
        let state = Self.state([
            Self.stored(
                .serviceEntry(spec), name: "external", namespace: "shop",
                vips: [.init(host: "a.example.com", address: "240.240.1.1"), .init(host: "b.example.com", address: "240.240.1.2")])
        ])
        #expect(ServiceVIP.table(from: state).map(\.key) == ["shop/external/a.example.com", "shop/external/b.example.com"])
        #expect(ServiceVIP.table(from: state).map(\.address) == ["240.240.1.1", "240.240.1.2"])
        #expect(ServiceVIP.table(from: state).allSatisfy { $0.ports == [.init(number: 443, protocol: .tls)] })
    }

    @Test("resources without VIPs and other kinds make no rows")
    func noVIPs() {
        let state = Self.state([
            Self.stored(.service(ServiceSpec(ports: [.init(number: 80)])), name: "pending", vips: []),
            Self.stored(.serviceEntry(ServiceEntrySpec(hosts: ["db"], addresses: ["10.0.0.9"], ports: [.init(number: 5432)])), name: "db", vips: []),
            Self.stored(.peerAuthentication(PeerAuthenticationSpec()), name: "mtls", vips: []),
        ])
        #expect(ServiceVIP.table(from: state).isEmpty)
    }

    @Test("a UDP port's endpoints are the healthy instances of the VIP's family, on the target port")
    func udpEndpoints() {
        let state = Self.state([
            Self.stored(
                .service(ServiceSpec(ports: [.init(name: "dns", number: 53, protocol: .udp, targetPort: 5353), .init(number: 80)])),
                name: "resolver", vips: [.init(address: "240.240.0.53"), .init(address: "2001:2::35")])
        ])
        let registry = RegistryState(
            revision: 3,
            instances: [
                "a": Self.instance("a", address: "10.0.0.1", ports: [.init(number: 5353)]),
                "b": Self.instance("b", address: "10.0.0.2", ports: [.init(name: "dns", number: 6000)]),
                "c": Self.instance("c", address: "10.0.0.3", ports: [.init(number: 5353)], health: .critical),
                "d": Self.instance("d", address: "fd00::4", ports: [.init(number: 5353)]),
                "e": Self.instance("e", address: "10.0.0.5", ports: [.init(number: 5353)], service: "other"),
            ])
        let rows = ServiceVIP.table(from: state, registry: registry)
        let v4 = rows.first { $0.address == "240.240.0.53" }
        let v6 = rows.first { $0.address == "2001:2::35" }
        #expect(v4?.ports.first?.endpoints == [.init(address: "10.0.0.1", port: 5353), .init(address: "10.0.0.2", port: 6000)])
        #expect(v6?.ports.first?.endpoints == [.init(address: "fd00::4", port: 5353)])
        #expect(v4?.ports.last?.endpoints == [], "TCP ports go to the proxy, not to endpoints")
    }

    static func state(_ resources: [StoredResource]) -> ConfigState {
        ConfigState(revision: 1, resources: Dictionary(uniqueKeysWithValues: resources.map { ($0.key, $0) }))
    }

    static func stored(
        _ spec: ResourceSpec, name: String, namespace: String = "default", vips: [VIPAssignment]
    ) -> StoredResource {
        StoredResource(
            resource: Resource(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec), revision: 1,
            createRevision: 1, version: 1, updatedAt: Date(timeIntervalSince1970: 0),
            status: vips.isEmpty ? nil : ResourceStatus(vips: vips))
    }

    static func instance(
        _ id: String, address: String, ports: [InstancePort], health: HealthState = .passing, service: String = "resolver"
    ) -> Instance {
        Instance(
            id: id, service: service, namespace: "default", address: address, ports: ports, labels: [:], node: "n1",
            weight: 1, check: nil, source: .api, health: health, healthOutput: "", registeredAt: Date(timeIntervalSince1970: 0),
            healthChangedAt: Date(timeIntervalSince1970: 0))
    }
}
