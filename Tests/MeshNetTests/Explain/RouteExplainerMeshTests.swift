import MeshAPI
import MeshModel
import MeshNet
import Testing

/// Mesh traffic (`ExplainRequest.mesh`) on a snapshot written by hand in the compiler's shape: a
/// gateway listener on port 80 and the node proxy's per-VIP listener for the same port, which
/// owns no socket and sorts first by name.
@Suite("Route explainer: mesh traffic")
struct RouteExplainerMeshTests {
    static let cluster = "outbound|80||web.default.svc.cluster.local"
    static let vip = "10.96.0.5"

    static var snapshot: Snapshot {
        let route = Snapshot.Route(
            name: "default", match: .all, action: .route(.init(weightedClusters: [.init(name: cluster, weight: 100)])))
        let mesh = "mesh.web.default.svc.cluster.local:80"
        let names = ["web.default.svc.cluster.local", "web", "web.default", "web.default.svc", vip]
        return Snapshot(
            version: 3,
            listeners: [
                Snapshot.Listener(
                    name: "\(vip)_80", address: vip, port: 80, protocol: .http,
                    filterChains: [.init(name: mesh, destination: .http(routeConfigurationName: mesh))],
                    role: .proxy, bindToPort: false, direction: .outbound),
                Snapshot.Listener(
                    name: "\(vip)_5432", address: vip, port: 5432, protocol: .tcp,
                    filterChains: [
                        .init(name: "mesh.web.default.svc.cluster.local:5432", destination: .tcp([.init(name: cluster, weight: 100)]))
                    ],
                    role: .proxy, bindToPort: false, direction: .outbound),
                Snapshot.Listener(
                    name: "127.0.0.1_80", address: "127.0.0.1", port: 80, protocol: .http,
                    filterChains: [.init(name: "http.80", destination: .http(routeConfigurationName: "http.80"))]),
            ],
            routeConfigurations: [
                .init(
                    name: mesh,
                    virtualHosts: [.init(name: "web.default.svc.cluster.local:80", domains: names.flatMap { [$0, "\($0):80"] }, routes: [route])]),
                .init(name: "http.80", virtualHosts: [.init(name: "shop.example.com:80", domains: ["shop.example.com"], routes: [route])]),
            ],
            clusters: [.init(name: cluster, serviceHost: "web.default.svc.cluster.local", port: 80, subset: nil)],
            endpoints: [.init(clusterName: cluster, endpoints: [.init(address: "10.0.0.1", port: 8080, health: .healthy, instanceID: "a")])]
        )
    }

    @Test("a VIP, a full name and a short name all reach the proxy's listener for that VIP and port", arguments: [
        "10.96.0.5", "10.96.0.5:80", "web.default.svc.cluster.local", "web",
    ])
    func reachesTheVIPListener(host: String) {
        let answer = RouteExplainer.explain(ExplainRequest(mesh: true, host: host), in: Self.snapshot)
        #expect(answer.verdict == .forwarded, "\(answer.steps)")
        #expect(answer.listener?.name == "10.96.0.5_80")
        #expect(answer.steps.first.map { $0.stage == "capture" && $0.passed } == true)
        #expect(answer.authorization == nil)
        #expect(answer.steps.contains { $0.stage == "authorization" && $0.text.contains("outbound side") })
    }

    @Test("a TCP port is found by the full name, and relayed to the service's cluster")
    func tcpPort() {
        let answer = RouteExplainer.explain(
            ExplainRequest(listenerPort: 5432, mesh: true, host: "web.default.svc.cluster.local"), in: Self.snapshot)
        #expect(answer.verdict == .tcpProxied, "\(answer.summary)")
        #expect(answer.listener?.name == "10.96.0.5_5432")
    }

    @Test("an address or a port the proxy does not serve is not captured, and says why", arguments: [
        ("10.96.0.6", 80, "10.96.0.6:80 is no service VIP and port"),
        ("web", 81, "web has no port 81 (its ports: 80)"),
        ("other.default.svc.cluster.local", 80, "no service VIP has the name other.default.svc.cluster.local"),
    ])
    func notCaptured(host: String, port: Int, reason: String) {
        let answer = RouteExplainer.explain(ExplainRequest(listenerPort: port, mesh: true, host: host), in: Self.snapshot)
        #expect(answer.verdict == .noListener)
        #expect(answer.listener == nil)
        #expect(answer.summary.contains(reason), "\(answer.summary)")
    }

    @Test("without mesh, a port is a gateway listener's: the proxy's per-VIP listener owns no socket")
    func gatewayIgnoresVIPListeners() {
        let byPort = RouteExplainer.explain(ExplainRequest(listenerPort: 80, host: "shop.example.com"), in: Self.snapshot)
        #expect(byPort.listener?.name == "127.0.0.1_80")
        #expect(byPort.verdict == .forwarded)
        let byHost = RouteExplainer.explain(ExplainRequest(host: "web.default.svc.cluster.local"), in: Self.snapshot)
        #expect(byHost.listener?.name == "127.0.0.1_80", "the only HTTP listener with a socket")
        #expect(byHost.verdict == .noVirtualHost)
    }
}
