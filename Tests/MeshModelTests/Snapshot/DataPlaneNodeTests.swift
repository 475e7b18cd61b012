import MeshModel
import Testing

@Suite("Snapshot scoped to a node")
struct DataPlaneNodeTests {
    static let snapshot = Snapshot(
        version: 7,
        listeners: [
            Snapshot.Listener(
                name: "0.0.0.0_8080", address: "0.0.0.0", port: 8080, protocol: .http,
                filterChains: [.init(name: "http", destination: .http(routeConfigurationName: "http.8080"))]),
            Snapshot.Listener(
                name: "240.240.0.1_80", address: "240.240.0.1", port: 80, protocol: .http,
                filterChains: [.init(name: "vip", destination: .http(routeConfigurationName: "mesh.80"))],
                role: .proxy, bindToPort: false, direction: .outbound),
        ],
        routeConfigurations: [
            Snapshot.RouteConfiguration(name: "http.8080", virtualHosts: []),
            Snapshot.RouteConfiguration(name: "mesh.80", virtualHosts: []),
        ])

    @Test("a gateway node gets the gateway's listeners and routes, not the proxy's")
    func gatewayOnly() {
        let scoped = Self.snapshot.scoped(to: .local(roles: [.gateway]))
        #expect(scoped.listeners.map(\.name) == ["0.0.0.0_8080"])
        #expect(scoped.routeConfigurations.map(\.name) == ["http.8080"])
        #expect(scoped.version == 7)
    }

    @Test("a proxy node gets the VIP listeners and their routes")
    func proxyOnly() {
        let scoped = Self.snapshot.scoped(to: .local(roles: [.proxy]))
        #expect(scoped.listeners.map(\.name) == ["240.240.0.1_80"])
        #expect(scoped.routeConfigurations.map(\.name) == ["mesh.80"])
    }

    @Test("a node with both roles, and the whole mesh, get everything")
    func both() {
        #expect(Self.snapshot.scoped(to: .local(roles: [.gateway, .proxy])) == Self.snapshot)
        #expect(Self.snapshot.scoped(to: .wholeMesh) == Self.snapshot)
        #expect(Self.snapshot.scoped(to: .local(roles: [])).listeners.isEmpty)
    }
}
