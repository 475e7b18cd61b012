import MeshAPI
import MeshCompiler
import MeshModel
import Testing

@Suite("SnapshotCompiler: gateways and HTTP routes")
struct SnapshotCompilerTests {
    let reviewsV1 = "outbound|9080|v1|reviews.default.svc.cluster.local"
    let reviewsV2 = "outbound|9080|v2|reviews.default.svc.cluster.local"
    let reviewsV3 = "outbound|9080|v3|reviews.default.svc.cluster.local"

    func bookinfo() throws -> Snapshot {
        SnapshotCompiler.compile(
            config: try Fixtures.config(Fixtures.bookinfo()), registry: Fixtures.registry(Fixtures.reviewsInstances()),
            version: 7, options: .init())
    }

    @Test("the bookinfo example compiles to an HTTP listener whose routes keep the rule order")
    func bookinfoHTTP() throws {
        let snapshot = try bookinfo()
        #expect(snapshot.version == 7)
        #expect(snapshot.gatewayListeners.map(\.name) == ["0.0.0.0_8080", "0.0.0.0_8443"])
        let listener = try #require(snapshot.listener(named: "0.0.0.0_8080"))
        #expect(listener.protocol == .http)
        #expect(listener.port == 8080)
        #expect(listener.filterChains.map(\.destination) == [.http(routeConfigurationName: "http.8080")])

        let routes = try #require(snapshot.routeConfiguration(named: "http.8080"))
        #expect(routes.virtualHosts.count == 1)
        let host = routes.virtualHosts[0]
        #expect(host.name == "bookinfo.example.com:8080")
        #expect(host.domains == ["bookinfo.example.com", "bookinfo.example.com:8080"])
        #expect(host.routes.map(\.name) == ["default/reviews/jason", "default/reviews/split"])

        let jason = host.routes[0]
        #expect(jason.match.path == .prefix("/"))
        #expect(jason.match.headers == [Snapshot.HeaderMatcher(name: "end-user", match: .exact("jason"))])
        guard case .route(let toV2) = jason.action else {
            Issue.record("expected a route action")
            return
        }
        #expect(toV2.weightedClusters.map(\.name) == [reviewsV2])
        #expect(toV2.weightedClusters.map(\.weight) == [100])

        let split = host.routes[1]
        #expect(split.match == .all)
        guard case .route(let action) = split.action else {
            Issue.record("expected a route action")
            return
        }
        #expect(action.weightedClusters.map(\.name) == [reviewsV1, reviewsV3])
        #expect(action.weightedClusters.map(\.weight) == [80, 20])
        #expect(action.weightedClusters.map(\.weight).reduce(0, +) == 100)
        #expect(action.timeout == .seconds(10))
        #expect(
            action.retryPolicy
                == Snapshot.RetryPolicy(retryOn: "5xx,connect-failure", numRetries: 3, perTryTimeout: .seconds(2)))
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
    }

    @Test("subsets select endpoints by label; unhealthy instances stay, marked unhealthy")
    func subsetsAndHealth() throws {
        let snapshot = try bookinfo()
        #expect(snapshot.clusters.map(\.name) == [reviewsV1, reviewsV2, reviewsV3])
        let v1 = try #require(snapshot.loadAssignment(forCluster: reviewsV1))
        #expect(v1.endpoints.map(\.address) == ["10.0.0.1", "10.0.0.2"])
        #expect(v1.endpoints.map(\.health) == [.healthy, .unhealthy])
        #expect(v1.healthyEndpoints.map(\.address) == ["10.0.0.1"])
        #expect(v1.endpoints.allSatisfy { $0.port == 9080 && $0.labels["version"] == "v1" })
        let v3 = try #require(snapshot.loadAssignment(forCluster: reviewsV3))
        #expect(v3.endpoints.map(\.address) == ["10.0.0.4"])
        #expect(v3.endpoints.map(\.weight) == [5])
        #expect(v3.endpoints.map(\.instanceID) == ["default/reviews/10.0.0.4:9080"])
    }

    @Test("compiling the same inputs twice gives equal snapshots, whatever the input order")
    func deterministic() throws {
        let secret = try Fixtures.tlsSecret("bookinfo-cert", dnsName: "bookinfo.example.com").yaml
        let yaml = try Fixtures.examples(
            "gateway.yaml", "virtualservice-reviews.yaml", "destinationrule-reviews.yaml", "service-reviews.yaml")
            + "\n---\n" + secret
        let reversed = try secret + "\n---\n" + Fixtures.examples(
            "service-reviews.yaml", "destinationrule-reviews.yaml", "virtualservice-reviews.yaml", "gateway.yaml")
        let first = SnapshotCompiler.compile(
            config: try Fixtures.config(yaml), registry: Fixtures.registry(Fixtures.reviewsInstances()), version: 1)
        let second = SnapshotCompiler.compile(
            config: try Fixtures.config(reversed),
            registry: Fixtures.registry(Fixtures.reviewsInstances().reversed()), version: 1)
        #expect(first == second)
        #expect(first.hasSameContent(as: second))
    }

    @Test("a VirtualService applies only to the gateways it names")
    func gatewayBinding() throws {
        let yaml = try Fixtures.examples("gateway.yaml", "service-reviews.yaml") + """

            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: mesh-only, namespace: default}
            spec:
              hosts: ["mesh.example.com"]
              http:
              - route:
                - destination: {host: reviews}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: other-gateway, namespace: default}
            spec:
              hosts: ["other.example.com"]
              gateways: ["other-gateway"]
              http:
              - route:
                - destination: {host: reviews}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: bound, namespace: other}
            spec:
              hosts: ["*.example.com"]
              gateways: ["default/bookinfo-gateway"]
              http:
              - route:
                - destination: {host: reviews.default}
            """
        let snapshot = SnapshotCompiler.compile(config: try Fixtures.config(yaml), registry: .empty, version: 1)
        let routes = try #require(snapshot.routeConfiguration(named: "http.8080"))
        // The wildcard VirtualService narrows to the server's host; the others are not bound.
        #expect(routes.virtualHosts.map(\.name) == ["bookinfo.example.com:8080"])
        #expect(routes.virtualHosts[0].routes.map(\.name) == ["other/bound/0"])
        #expect(snapshot.clusters.map(\.name) == ["outbound|9080||reviews.default.svc.cluster.local"])
    }

    @Test("a gateway selection limits the listeners to the selected Gateways")
    func gatewaySelection() throws {
        let config = try Fixtures.config(Fixtures.bookinfo())
        let none = SnapshotCompiler.compile(
            config: config, registry: .empty, version: 1, options: .init(gateways: .named(["default/other"])))
        #expect(none.gatewayListeners.isEmpty)
        let byLabels = SnapshotCompiler.compile(
            config: config, registry: .empty, version: 1,
            options: .init(gateways: .workloadLabels(["istio": "ingressgateway"]), portOffset: 1000))
        #expect(byLabels.gatewayListeners.map(\.port) == [9080, 9443])
    }

    @Test("an unknown destination host still gets a cluster, without endpoints, and a warning")
    func unknownHost() throws {
        let yaml = try Fixtures.examples("gateway.yaml") + """

            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: lost, namespace: default}
            spec:
              hosts: ["bookinfo.example.com"]
              gateways: ["bookinfo-gateway"]
              http:
              - route:
                - destination: {host: nowhere, subset: v1, port: {number: 80}}
            """
        let snapshot = SnapshotCompiler.compile(config: try Fixtures.config(yaml), registry: .empty, version: 1)
        let name = "outbound|80|v1|nowhere.default.svc.cluster.local"
        #expect(snapshot.cluster(named: name) != nil)
        #expect(snapshot.loadAssignment(forCluster: name)?.endpoints == [])
        #expect(snapshot.warnings.contains { $0.path == "spec.http[0].route[0].destination.host" })
        #expect(snapshot.warnings.contains { $0.path == "spec.http[0].route[0].destination.subset" })
    }
}
