import MeshAPI
import MeshCompiler
import MeshModel
import Testing

@Suite("SnapshotCompiler: the node proxy's listeners for service VIPs")
struct MeshListenerTests {
    static let fqdn = "reviews.default.svc.cluster.local"

    static let reviews = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: reviews, namespace: default}
        spec:
          ports: [{name: http, number: 9080, protocol: HTTP}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v3, labels: {version: v3}}
        """

    /// Split 80/20 for the mesh; bound by `gateways` as given (nil: the field is left out).
    static func split(gateways: String?) -> String {
        """

        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews-split, namespace: default}
        spec:
          hosts: [reviews]
        \(gateways.map { "  gateways: \($0)" } ?? "")
          http:
          - name: split
            route:
            - {destination: {host: reviews, subset: v1}, weight: 80}
            - {destination: {host: reviews, subset: v3}, weight: 20}
            retries: {attempts: 3, retryOn: 5xx}
        """
    }

    static let edge = """

        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          servers:
          - port: {number: 80, name: http, protocol: HTTP}
            hosts: ["*"]
        """

    /// Compiles `yaml` with `vips` (resource name → addresses) in the config store's status.
    static func compile(
        _ yaml: String, vips: [ResourceKey: [VIPAssignment]], options: SnapshotCompiler.Options = .init()
    ) throws -> Snapshot {
        var config = try Fixtures.config(yaml)
        for (key, assignments) in vips { config.resources[key]?.status = ResourceStatus(vips: assignments) }
        let registry = Fixtures.registry([
            Fixtures.instance("reviews", "10.0.0.1", labels: ["version": "v1"]),
            Fixtures.instance("reviews", "10.0.0.3", labels: ["version": "v3"]),
        ])
        return SnapshotCompiler.compile(config: config, registry: registry, version: 1, options: options)
    }

    static let reviewsKey = ResourceKey(kind: .service, namespace: "default", name: "reviews")
    static let reviewsVIP = [reviewsKey: [VIPAssignment(address: "240.240.0.10")]]

    static func routes(_ snapshot: Snapshot, _ name: String) throws -> [Snapshot.Route] {
        let configuration = try #require(snapshot.routeConfigurations.first { $0.name == name })
        return try #require(configuration.virtualHosts.first).routes
    }

    @Test("a Service with a VIP gets a proxy listener per port that owns no socket, routed by its names")
    func listenerAndDomains() throws {
        let snapshot = try Self.compile(Self.reviews, vips: Self.reviewsVIP)
        let listener = try #require(snapshot.listeners.first { $0.name == "240.240.0.10_9080" })
        #expect(listener.address == "240.240.0.10" && listener.port == 9080)
        #expect(listener.role == .proxy && !listener.bindToPort && !listener.useOriginalDestination)
        #expect(listener.direction == .outbound && listener.protocol == .http)
        let routeName = "mesh.\(Self.fqdn):9080"
        #expect(listener.filterChains.map(\.destination) == [.http(routeConfigurationName: routeName)])
        let host = try #require(snapshot.routeConfigurations.first { $0.name == routeName }?.virtualHosts.first)
        for domain in [
            Self.fqdn, "\(Self.fqdn):9080", "reviews", "reviews:9080", "reviews.default", "reviews.default.svc:9080",
            "240.240.0.10", "240.240.0.10:9080",
        ] {
            #expect(host.domains.contains(domain), "\(domain)")
        }
        // No VirtualService: one route to the service's own cluster, with Istio's default retries.
        let routes = try Self.routes(snapshot, routeName)
        guard case .route(let action) = try #require(routes.first).action else {
            Issue.record("not a forwarding route")
            return
        }
        let cluster = Snapshot.Cluster.name(host: Self.fqdn, port: 9080, subset: nil)
        #expect(routes.count == 1 && routes[0].match == .all)
        #expect(action.weightedClusters.map(\.name) == [cluster])
        #expect(action.retryPolicy?.numRetries == 2)
        #expect(snapshot.clusters.contains { $0.name == cluster })
        let endpoints = snapshot.endpoints.first { $0.clusterName == cluster }?.endpoints.map(\.address)
        #expect(endpoints == ["10.0.0.1", "10.0.0.3"])
    }

    @Test("the service's domain follows the option")
    func domainOption() throws {
        let snapshot = try Self.compile(Self.reviews, vips: Self.reviewsVIP, options: .init(domain: "mesh.internal"))
        let host = try #require(snapshot.routeConfigurations.first { $0.name.hasPrefix("mesh.") }?.virtualHosts.first)
        #expect(host.domains.contains("reviews.default.svc.mesh.internal"))
        #expect(host.domains.contains("reviews.default.svc.mesh.internal:9080"))
    }

    @Test("a VirtualService bound to the mesh (no gateways, or `mesh` among them) splits 80/20 with its policies", arguments: [nil, "[mesh]", "[edge, mesh]"])
    func meshBoundSplit(_ gateways: String?) throws {
        let snapshot = try Self.compile(Self.reviews + Self.split(gateways: gateways) + Self.edge, vips: Self.reviewsVIP)
        let routes = try Self.routes(snapshot, "mesh.\(Self.fqdn):9080")
        guard case .route(let action) = try #require(routes.first).action else {
            Issue.record("not a forwarding route")
            return
        }
        #expect(routes.map(\.name) == ["default/reviews-split/split"])
        #expect(action.weightedClusters.map(\.weight) == [80, 20])
        #expect(
            action.weightedClusters.map(\.name) == [
                Snapshot.Cluster.name(host: Self.fqdn, port: 9080, subset: "v1"),
                Snapshot.Cluster.name(host: Self.fqdn, port: 9080, subset: "v3"),
            ])
        #expect(action.retryPolicy?.numRetries == 3 && action.retryPolicy?.retryOn == "5xx")
        let v3 = snapshot.endpoints.first { $0.clusterName.hasSuffix("|v3|\(Self.fqdn)") }
        #expect(v3?.endpoints.map(\.address) == ["10.0.0.3"])
    }

    @Test("a VirtualService bound only to a gateway stays off the mesh, and the gateway keeps it")
    func gatewayOnly() throws {
        let snapshot = try Self.compile(Self.reviews + Self.split(gateways: "[edge]") + Self.edge, vips: Self.reviewsVIP)
        let mesh = try Self.routes(snapshot, "mesh.\(Self.fqdn):9080")
        #expect(mesh.map(\.name) == ["default"])
        let gateway = try #require(snapshot.routeConfigurations.first { $0.name == "http.80" }?.virtualHosts.first)
        #expect(gateway.routes.map(\.name) == ["default/reviews-split/split"])
    }

    @Test("a TCP port relays to the service's cluster, or by the mesh-bound `tcp` route's weights")
    func tcpPort() throws {
        let yaml = """
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: db, namespace: default}
            spec:
              ports: [{name: pg, number: 5432, protocol: TCP}]
            """
        let key = ResourceKey(kind: .service, namespace: "default", name: "db")
        let vips = [key: [VIPAssignment(address: "240.240.0.20"), VIPAssignment(address: "fd00:f0f0::20")]]
        let plain = try Self.compile(yaml, vips: vips)
        let cluster = Snapshot.Cluster.name(host: "db.default.svc.cluster.local", port: 5432, subset: nil)
        for name in ["240.240.0.20_5432", "fd00:f0f0::20_5432"] {
            let listener = try #require(plain.listeners.first { $0.name == name })
            #expect(listener.protocol == .tcp && !listener.bindToPort)
            #expect(listener.filterChains.map(\.destination) == [.tcp([.init(name: cluster, weight: 100)])])
        }

        let routed = try Self.compile(
            yaml + """

                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: db, namespace: default}
                spec:
                  hosts: [db]
                  tcp:
                  - match: [{port: 5432}]
                    route:
                    - {destination: {host: db, port: {number: 5432}, subset: a}, weight: 90}
                    - {destination: {host: db, port: {number: 5432}, subset: b}, weight: 10}
                """, vips: vips)
        let chain = try #require(routed.listeners.first { $0.name == "240.240.0.20_5432" }?.filterChains.first)
        guard case .tcp(let clusters) = chain.destination else {
            Issue.record("not a TCP chain")
            return
        }
        #expect(clusters.map(\.weight) == [90, 10])
        #expect(clusters.map(\.name).allSatisfy { $0.hasPrefix("outbound|5432|") })
    }

    @Test("a TLS port passes through by SNI from the mesh-bound `tls` routes, else to the service")
    func tlsPort() throws {
        let yaml = """
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: secure, namespace: default}
            spec:
              ports: [{name: tls, number: 443, protocol: TLS}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: secure, namespace: default}
            spec:
              hosts: [secure, "*.secure.example"]
              tls:
              - match: [{sniHosts: [a.secure.example]}]
                route: [{destination: {host: reviews, port: {number: 9080}}}]
            """
        let key = ResourceKey(kind: .service, namespace: "default", name: "secure")
        let snapshot = try Self.compile(Self.reviews + "\n---\n" + yaml, vips: [key: [VIPAssignment(address: "240.240.0.30")]])
        let listener = try #require(snapshot.listeners.first { $0.name == "240.240.0.30_443" })
        #expect(listener.protocol == .tlsPassthrough)
        #expect(listener.filterChains.map(\.serverNames) == [["a.secure.example"], []])
        #expect(
            listener.filterChains.last?.destination
                == .tcp([.init(name: Snapshot.Cluster.name(host: "secure.default.svc.cluster.local", port: 443, subset: nil), weight: 100)]))
    }

    @Test("a ServiceEntry host without addresses is served at its VIP by its host name")
    func serviceEntryHost() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: payments, namespace: default}
            spec:
              hosts: [payments.example.com]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: STATIC
              endpoints: [{address: 10.1.0.7}]
            """
        let key = ResourceKey(kind: .serviceEntry, namespace: "default", name: "payments")
        let snapshot = try Self.compile(
            yaml, vips: [key: [VIPAssignment(host: "payments.example.com", address: "240.240.0.40")]])
        let listener = try #require(snapshot.listeners.first { $0.name == "240.240.0.40_80" })
        #expect(listener.role == .proxy && listener.protocol == .http)
        let host = try #require(
            snapshot.routeConfigurations.first { $0.name == "mesh.payments.example.com:80" }?.virtualHosts.first)
        #expect(host.domains == ["payments.example.com", "payments.example.com:80", "240.240.0.40", "240.240.0.40:80"])
    }

    @Test("one virtualOutbound listener takes captured connections at the configured address; gateway nodes never get it")
    func virtualOutbound() throws {
        let options = SnapshotCompiler.Options(proxy: .init(outboundAddress: "127.0.0.1", outboundPort: 15006))
        let snapshot = try Self.compile(Self.reviews + Self.edge, vips: Self.reviewsVIP, options: options)
        let outbound = try #require(snapshot.listeners.first { $0.name == "virtualOutbound" })
        #expect(outbound.address == "127.0.0.1" && outbound.port == 15006)
        #expect(outbound.useOriginalDestination && outbound.bindToPort && outbound.role == .proxy)
        #expect(outbound.direction == .outbound && outbound.filterChains.isEmpty)
        let gateway = snapshot.scoped(to: .local(roles: [.gateway]))
        #expect(gateway.listeners.map(\.name) == ["0.0.0.0_80"])
        #expect(!gateway.routeConfigurations.contains { $0.name.hasPrefix("mesh.") })
        let proxy = snapshot.scoped(to: .local(roles: [.proxy]))
        #expect(Set(proxy.listeners.map(\.name)) == ["virtualOutbound", "240.240.0.10_9080"])
        // Without VIPs there is still the one listener, and nothing else of the proxy's.
        let none = try Self.compile(Self.reviews, vips: [:])
        #expect(none.listeners.map(\.name) == ["virtualOutbound"])
    }
}

extension MeshListenerTests {
    @Test("a destination without a port, on a service with several, goes to the port being routed, without a warning")
    func destinationPortFromListener() throws {
        let yaml = """
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: reviews, namespace: default}
            spec:
              ports: [{name: http, number: 9080, protocol: HTTP}, {name: http-admin, number: 9090, protocol: HTTP}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - route: [{destination: {host: reviews}}]
            """
        let snapshot = try Self.compile(yaml, vips: Self.reviewsVIP)
        for port: UInt32 in [9080, 9090] {
            let routes = try Self.routes(snapshot, "mesh.\(Self.fqdn):\(port)")
            guard case .route(let action) = try #require(routes.first).action else {
                Issue.record("not a forwarding route")
                continue
            }
            #expect(action.weightedClusters.map(\.name) == [Snapshot.Cluster.name(host: Self.fqdn, port: port, subset: nil)])
        }
        #expect(!snapshot.warnings.contains { $0.path.hasSuffix(".port") }, "\(snapshot.warnings)")
    }
}
