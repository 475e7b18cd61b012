import MeshAPI
import MeshModel
import MeshNet
import Testing

/// The explainer on snapshots written by hand: listeners, TLS chains, actions and authorization
/// that the end-to-end agreement tests (MeshGatewayTests) do not reach.
@Suite("Route explainer")
struct RouteExplainerTests {
    static let cluster = "outbound|80|v1|app.default.svc.cluster.local"

    static func snapshot(routes: [Snapshot.Route], requireTLS: Bool = false, endpoints: [Snapshot.LbEndpoint]? = nil)
        -> Snapshot
    {
        let listener = Snapshot.Listener(
            name: "0.0.0.0_8080",
            address: "0.0.0.0",
            port: 8080,
            protocol: .http,
            filterChains: [.init(name: "http.8080", destination: .http(routeConfigurationName: "http.8080"))]
        )
        let tls = Snapshot.Listener(
            name: "0.0.0.0_8443",
            address: "0.0.0.0",
            port: 8443,
            protocol: .https,
            filterChains: [
                .init(
                    name: "https.8443.a",
                    serverNames: ["app.example.com"],
                    tls: .init(mode: .simple, certificateSecretName: "file-cert:a.pem~a.key"),
                    destination: .http(routeConfigurationName: "http.8080")
                ),
                .init(
                    name: "https.8443.b",
                    serverNames: ["*.example.org"],
                    tls: .init(mode: .simple, certificateSecretName: "file-cert:b.pem~b.key"),
                    destination: .tcp([.init(name: cluster, weight: 100)])
                ),
            ]
        )
        let host = Snapshot.VirtualHost(
            name: "app.example.com:8080",
            domains: ["app.example.com", "app.example.com:8080"],
            routes: routes,
            requireTLS: requireTLS
        )
        return Snapshot(
            version: 7,
            listeners: [listener, tls],
            routeConfigurations: [.init(name: "http.8080", virtualHosts: [host])],
            clusters: [.init(name: cluster, serviceHost: "app.default.svc.cluster.local", port: 80, subset: "v1")],
            endpoints: [
                .init(
                    clusterName: cluster,
                    endpoints: endpoints ?? [.init(address: "10.0.0.1", port: 9080, health: .healthy, instanceID: "a")]
                )
            ]
        )
    }

    static func forward(
        _ name: String = "default/app/0",
        match: Snapshot.RouteMatch = .all,
        to clusters: [Snapshot.WeightedCluster] = [.init(name: cluster, weight: 100)]
    ) -> Snapshot.Route {
        Snapshot.Route(name: name, match: match, action: .route(.init(weightedClusters: clusters)))
    }

    func explain(
        _ snapshot: Snapshot,
        port: Int = 8080,
        host: String = "app.example.com",
        path: String = "/",
        method: String = "GET",
        principal: String? = nil,
        policies: [Resource] = [],
        gateways: [Resource] = []
    ) -> Explanation {
        RouteExplainer.explain(
            ExplainRequest(listenerPort: port, method: method, host: host, path: path, sourcePrincipal: principal),
            in: snapshot,
            policies: policies,
            gateways: gateways
        )
    }

    @Test("no listener on the port: the answer names the ports that are served")
    func noListener() {
        let answer = explain(Self.snapshot(routes: [Self.forward()]), port: 9999)
        #expect(answer.verdict == .noListener)
        #expect(answer.summary.contains("8080 (http)"))
        #expect(answer.snapshotVersion == 7)
    }

    @Test("without a port, the HTTP listener that serves the host is picked")
    func listenerByHost() {
        let answer = RouteExplainer.explain(
            ExplainRequest(host: "app.example.com"),
            in: Self.snapshot(routes: [Self.forward()])
        )
        #expect(answer.listener?.port == 8080)
        #expect(answer.verdict == .forwarded)
    }

    @Test("TLS: the SNI picks the chain, its certificate is named, a terminated chain routes HTTP")
    func sniChain() {
        let snapshot = Self.snapshot(routes: [Self.forward()])
        let https = explain(snapshot, port: 8443)
        #expect(https.filterChain?.name == "https.8443.a")
        #expect(https.filterChain?.certificateSecretName == "file-cert:a.pem~a.key")
        #expect(https.verdict == .forwarded)

        let tcp = explain(snapshot, port: 8443, host: "db.example.org")
        #expect(tcp.filterChain?.name == "https.8443.b")
        #expect(tcp.verdict == .tcpProxied)
        #expect(tcp.destinations.first?.split.subset == "v1")

        let none = explain(snapshot, port: 8443, host: "other.net")
        #expect(none.verdict == .noFilterChain)
        #expect(none.summary.contains("SNI other.net"))
    }

    @Test("plain HTTP to a virtual host that requires TLS: 301 to https")
    func tlsRedirect() {
        let answer = explain(Self.snapshot(routes: [Self.forward()], requireTLS: true), path: "/a?b=1")
        #expect(answer.verdict == .tlsRedirect)
        #expect(answer.status == 301)
        #expect(answer.location == "https://app.example.com/a?b=1")
    }

    @Test("direct responses, missing clusters and clusters without healthy endpoints are local answers")
    func localAnswers() {
        let direct = Snapshot.Route(name: "d", match: .all, action: .directResponse(.init(status: 418)))
        #expect(explain(Self.snapshot(routes: [direct])).status == 418)

        let missing = explain(
            Self.snapshot(routes: [Self.forward(to: [.init(name: "outbound|80||gone", weight: 100)])])
        )
        #expect(missing.verdict == .noCluster)
        #expect(missing.status == 503)
        #expect(missing.destinations.first?.exists == false)

        let sick = explain(
            Self.snapshot(
                routes: [Self.forward()],
                endpoints: [.init(address: "10.0.0.9", port: 1, health: .unhealthy, instanceID: "z")]
            )
        )
        #expect(sick.verdict == .noHealthyEndpoint)
        #expect(sick.destinations.first?.endpoints.first?.receivesTraffic == false)
    }

    @Test("rewrites show in the upstream request; route details list timeout and retries")
    func rewrite() {
        var action = Snapshot.RouteAction(
            weightedClusters: [.init(name: Self.cluster, weight: 100)],
            timeout: .seconds(3)
        )
        action.prefixRewrite = "/v2"
        action.hostRewrite = "internal"
        action.retryPolicy = .init(retryOn: "5xx", numRetries: 2)
        let route = Snapshot.Route(name: "r", match: .init(path: .prefix("/api")), action: .route(action))
        let answer = explain(Self.snapshot(routes: [route]), path: "/api/x?q=1")
        #expect(answer.upstreamRequest == .init(path: "/v2/x?q=1", authority: "internal"))
        #expect(answer.route?.summary.details.contains("timeout 3s") == true)
        #expect(answer.route?.summary.details.contains("retries: 2 on 5xx") == true)
        #expect(answer.route?.summary.match == "path prefix /api")
    }

    static let gateway = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: ingress}
        spec:
          selector: {app: edge}
          servers:
          - port: {number: 8080, name: http, protocol: HTTP}
            hosts: ["*.example.com"]
        """

    static func policy(_ spec: String, namespace: String = "ingress") -> String {
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: p, namespace: \(namespace)}
        spec:
        \(spec)
        """
    }

    @Test("authorization is evaluated as the Gateway's workload: its namespace and selector")
    func authorization() throws {
        let snapshot = Self.snapshot(routes: [Self.forward()])
        let gateways = try ResourceDecoder.decode(Self.gateway)
        let allowWeb = try ResourceDecoder.decode(
            Self.policy(
                """
                  selector: {matchLabels: {app: edge}}
                  action: ALLOW
                  rules:
                  - from: [{source: {principals: ["cluster.local/ns/web/sa/web"]}}]
                """
            )
        )
        let denied = explain(snapshot, policies: allowWeb, gateways: gateways)
        #expect(denied.verdict == .denied)
        #expect(denied.status == 403)
        #expect(denied.authorization?.workloadNamespace == "ingress")
        #expect(denied.authorization?.workloadLabels == ["app": "edge"])
        #expect(denied.authorization?.identity.contains("Gateway ingress/edge") == true)
        #expect(denied.route == nil, "a denied request is not routed")

        let allowed = explain(
            snapshot,
            principal: "spiffe://cluster.local/ns/web/sa/web",
            policies: allowWeb,
            gateways: gateways
        )
        #expect(allowed.verdict == .forwarded)
        #expect(allowed.authorization?.decision?.reason.contains("ALLOW policy ingress/p rule 0") == true)

        // The same policy in another namespace does not apply to the gateway.
        let elsewhere = try ResourceDecoder.decode(Self.policy("  action: DENY\n  rules: [{}]", namespace: "shop"))
        #expect(explain(snapshot, policies: elsewhere, gateways: gateways).verdict == .forwarded)
        let deny = try ResourceDecoder.decode(
            Self.policy("  action: DENY\n  rules: [{to: [{operation: {methods: [DELETE]}}]}]")
        )
        #expect(explain(snapshot, method: "DELETE", policies: deny, gateways: gateways).verdict == .denied)
        #expect(explain(snapshot, method: "GET", policies: deny, gateways: gateways).verdict == .forwarded)
    }

    @Test("a mesh-wide policy applies from the root namespace the explainer is given (mesh.rootNamespace)")
    func rootNamespace() throws {
        let snapshot = Self.snapshot(routes: [Self.forward()])
        let gateways = try ResourceDecoder.decode(Self.gateway)
        let denyAll = try ResourceDecoder.decode(Self.policy("  action: DENY\n  rules: [{}]", namespace: "mesh-root"))
        let request = ExplainRequest(listenerPort: 8080, method: "GET", host: "app.example.com", path: "/")
        // Istio's default root (istio-system): mesh-root is an ordinary namespace.
        #expect(RouteExplainer().explain(request, in: snapshot, policies: denyAll, gateways: gateways).verdict == .forwarded)
        let configured = RouteExplainer(rootNamespace: "mesh-root")
        #expect(configured.explain(request, in: snapshot, policies: denyAll, gateways: gateways).verdict == .denied)
    }

    @Test("the gateway workload: same port and host first, then host on any port, then the only Gateway")
    func gatewayWorkload() throws {
        let gateways = try ResourceDecoder.decode(
            Self.gateway + """

                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: api, namespace: apis}
                spec:
                  selector: {app: api-gw}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: ["apis/api.example.net"]
                """
        )
        #expect(
            GatewayWorkload.resolve(host: "a.example.com:8080", port: 8080, gateways: gateways)?.namespace == "ingress"
        )
        #expect(
            GatewayWorkload.resolve(host: "api.example.net", port: 8000, gateways: gateways)?.labels == [
                "app": "api-gw"
            ]
        )
        #expect(GatewayWorkload.resolve(host: "example.com", port: 8080, gateways: gateways) == nil)
        #expect(
            GatewayWorkload.resolve(host: "x.y", port: 1, gateways: Array(gateways.prefix(1)))?.namespace == "ingress"
        )
    }
}
