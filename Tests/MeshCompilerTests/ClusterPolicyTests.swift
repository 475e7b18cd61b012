import MeshAPI
import MeshCompiler
import MeshModel
import Testing

@Suite("SnapshotCompiler: clusters from DestinationRules")
struct ClusterPolicyTests {
    static let ratings = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          servers:
          - port: {number: 80, name: http, protocol: HTTP}
            hosts: ["ratings.example.com"]
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: ratings, namespace: default}
        spec:
          ports:
          - {name: http, number: 9080, protocol: HTTP, targetPort: 8080}
          - {name: grpc, number: 9090, protocol: GRPC}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings, namespace: default}
        spec:
          hosts: ["ratings.example.com"]
          gateways: ["gw"]
          http:
          - match: [{uri: {prefix: /v1}}]
            route:
            - destination: {host: ratings, subset: v1, port: {number: 9080}}
          - match: [{uri: {prefix: /v2}}]
            route:
            - destination: {host: ratings, subset: v2, port: {number: 9080}}
          - route:
            - destination: {host: ratings.default.svc.cluster.local, port: {number: 9090}}
        """

    static let rule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: ratings, namespace: default}
        spec:
          host: ratings
          trafficPolicy:
            loadBalancer: {simple: RANDOM}
            connectionPool:
              tcp: {maxConnections: 10, connectTimeout: 250ms}
            portLevelSettings:
            - port: {number: 9080}
              connectionPool:
                tcp: {maxConnections: 20}
                http: {http1MaxPendingRequests: 5, maxRetries: 2, maxRequestsPerConnection: 3, idleTimeout: 30s}
              outlierDetection: {consecutive5xxErrors: 7, interval: 5s, baseEjectionTime: 1m, maxEjectionPercent: 40}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy:
              connectionPool:
                tcp: {maxConnections: 30}
              portLevelSettings:
              - port: {number: 9080}
                loadBalancer: {simple: ROUND_ROBIN}
          - name: v2
            labels: {version: v2}
        """

    func compile(_ yaml: String) throws -> Snapshot {
        let instances = [
            Fixtures.instance("ratings", "10.1.0.1", port: 8080, portName: "http", labels: ["version": "v1"]),
            Fixtures.instance("ratings", "10.1.0.2", port: 8080, portName: nil, labels: ["version": "v2"]),
        ]
        return SnapshotCompiler.compile(config: try Fixtures.config(yaml), registry: Fixtures.registry(instances), version: 1)
    }

    @Test("policies merge per component: subset port-level > subset > top port-level > top")
    func merging() throws {
        let snapshot = try compile(Self.ratings + "\n---\n" + Self.rule)
        let v1 = try #require(snapshot.cluster(named: "outbound|9080|v1|ratings.default.svc.cluster.local"))
        #expect(v1.lbPolicy == .roundRobin)
        #expect(v1.circuitBreakers?.maxConnections == 30)
        #expect(v1.outlierDetection?.consecutive5xx == 7)
        // The subset's connection pool replaces the whole top-level one, connect timeout included.
        #expect(v1.connectTimeout == Snapshot.Cluster.defaultConnectTimeout)

        let v2 = try #require(snapshot.cluster(named: "outbound|9080|v2|ratings.default.svc.cluster.local"))
        #expect(v2.lbPolicy == .random)
        #expect(
            v2.circuitBreakers
                == Snapshot.CircuitBreakers(maxConnections: 20, maxPendingRequests: 5, maxRequests: nil, maxRetries: 2))
        #expect(v2.maxRequestsPerConnection == 3)
        #expect(v2.idleTimeout == .seconds(30))
        #expect(
            v2.outlierDetection
                == Snapshot.OutlierDetection(
                    consecutive5xx: 7, interval: .seconds(5), baseEjectionTime: .seconds(60), maxEjectionPercent: 40))
        // Port-level settings replace whole components: the port's tcp pool has no connect timeout.
        #expect(v2.connectTimeout == Snapshot.Cluster.defaultConnectTimeout)

        let grpc = try #require(snapshot.cluster(named: "outbound|9090||ratings.default.svc.cluster.local"))
        #expect(grpc.lbPolicy == .random)
        #expect(grpc.circuitBreakers?.maxConnections == 10)
        #expect(grpc.connectTimeout == .milliseconds(250))
        #expect(grpc.outlierDetection == nil)
        #expect(grpc.http2)
        #expect(!v1.http2)
    }

    @Test("tcpKeepalive compiles to whole seconds; maxConnectionDuration to the cluster's")
    func tcpKeepalive() throws {
        let rule = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec:
              host: ratings
              trafficPolicy:
                connectionPool:
                  tcp: {tcpKeepalive: {time: 7s, interval: 1500ms, probes: 4}, maxConnectionDuration: 1h}
              subsets:
              - name: v1
                labels: {version: v1}
                trafficPolicy:
                  connectionPool:
                    tcp: {tcpKeepalive: {interval: 10ms}}
            """
        let snapshot = try compile(Self.ratings + "\n---\n" + rule)
        let top = try #require(snapshot.cluster(named: "outbound|9090||ratings.default.svc.cluster.local"))
        #expect(top.tcpKeepalive == Snapshot.Cluster.TCPKeepalive(probes: 4, time: .seconds(7), interval: .seconds(2)))
        let v1 = try #require(snapshot.cluster(named: "outbound|9080|v1|ratings.default.svc.cluster.local"))
        #expect(v1.tcpKeepalive == Snapshot.Cluster.TCPKeepalive(probes: nil, time: nil, interval: .seconds(1)))
        let plain = try #require(try compile(Self.ratings).cluster(named: "outbound|9090||ratings.default.svc.cluster.local"))
        #expect(plain.tcpKeepalive == nil)
        #expect(top.maxConnectionDuration == .seconds(3600))
        #expect(v1.maxConnectionDuration == nil, "the subset's pool replaces the top-level one")
        #expect(plain.maxConnectionDuration == nil)
    }

    @Test("endpoints take the instance port by name or target port")
    func endpointPorts() throws {
        let snapshot = try compile(Self.ratings + "\n---\n" + Self.rule)
        let v1 = snapshot.loadAssignment(forCluster: "outbound|9080|v1|ratings.default.svc.cluster.local")
        #expect(v1?.endpoints.map(\.port) == [8080])
        let v2 = snapshot.loadAssignment(forCluster: "outbound|9080|v2|ratings.default.svc.cluster.local")
        #expect(v2?.endpoints.map(\.port) == [8080])
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
    }

    @Test("without a DestinationRule clusters use Istio's defaults and subsets are unknown")
    func defaults() throws {
        let snapshot = try compile(Self.ratings)
        let cluster = try #require(snapshot.cluster(named: "outbound|9090||ratings.default.svc.cluster.local"))
        #expect(cluster.lbPolicy == .leastRequest)
        #expect(cluster.connectTimeout == .seconds(10))
        #expect(cluster.circuitBreakers == nil)
        #expect(snapshot.loadAssignment(forCluster: "outbound|9080|v1|ratings.default.svc.cluster.local")?.endpoints == [])
        #expect(snapshot.warnings.filter { $0.path.hasSuffix(".subset") }.count == 2)
    }

    @Test("a consistent hash becomes a route hash policy and a ring hash or Maglev cluster", arguments: [
        (
            "{httpHeaderName: X-User, ringHash: {minimumRingSize: 1024}}",
            Snapshot.LoadBalancingPolicy.ringHash(minimumRingSize: 1024), Snapshot.HashPolicy.header(name: "x-user")
        ),
        ("{useSourceIp: true, maglev: {tableSize: 65537}}", .maglev(tableSize: 65537), .sourceIP),
        ("{httpCookie: {name: session, ttl: 1h}}", .ringHash(minimumRingSize: nil), .cookie(name: "session", path: nil, ttl: .seconds(3600))),
        ("{httpQueryParameterName: user}", .ringHash(minimumRingSize: nil), .queryParameter(name: "user")),
    ])
    func consistentHash(hash: String, policy: Snapshot.LoadBalancingPolicy, route: Snapshot.HashPolicy) throws {
        let rule = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec:
              host: ratings.default.svc.cluster.local
              trafficPolicy:
                loadBalancer:
                  consistentHash: \(hash)
            """
        let snapshot = try compile(Self.ratings + "\n---\n" + rule)
        let cluster = try #require(snapshot.cluster(named: "outbound|9090||ratings.default.svc.cluster.local"))
        #expect(cluster.lbPolicy == policy)
        #expect(cluster.consistentHash == route)
        let routes = try #require(snapshot.routeConfiguration(named: "http.80")?.virtualHosts.first?.routes)
        guard case .route(let action) = routes.last?.action else {
            Issue.record("expected a route action")
            return
        }
        #expect(action.hashPolicies == [route])
    }

    @Test("upstream TLS modes map to upstream TLS with secrets")
    func upstreamTLS() throws {
        let rule = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec:
              host: ratings
              trafficPolicy:
                tls: {mode: SIMPLE, credentialName: ratings-ca, sni: ratings.internal}
                portLevelSettings:
                - port: {number: 9090}
                  tls: {mode: ISTIO_MUTUAL}
            """
        let snapshot = try compile(Self.ratings + "\n---\n" + rule)
        let http = try #require(snapshot.cluster(named: "outbound|9080|v1|ratings.default.svc.cluster.local"))
        #expect(
            http.upstreamTLS
                == Snapshot.UpstreamTLS(mode: .simple, sni: "ratings.internal", caSecretName: "kubernetes://default/ratings-ca-cacert"))
        let grpc = try #require(snapshot.cluster(named: "outbound|9090||ratings.default.svc.cluster.local"))
        #expect(grpc.upstreamTLS?.mode == .istioMutual)
        #expect(grpc.upstreamTLS?.certificateSecretName == "default")
        #expect(snapshot.secrets.map(\.name) == ["ROOTCA", "default", "kubernetes://default/ratings-ca-cacert"])
    }
}
