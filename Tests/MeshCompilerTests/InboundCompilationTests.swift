import Foundation
import MeshAPI
import MeshCompiler
import MeshModel
import Testing

@Suite("SnapshotCompiler: inbound workloads (PeerAuthentication, AuthorizationPolicy)")
struct InboundCompilationTests {
    /// A Service `db` in `shop` (port 5432 TCP, 8080 targeting 18080 HTTP), PeerAuthentication at every
    /// level, and AuthorizationPolicies that do and do not select the instances.
    static let yaml = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: db, namespace: shop}
        spec:
          ports:
          - {name: tcp-postgres, number: 5432, protocol: TCP}
          - {name: web, number: 8080, protocol: HTTP, targetPort: 18080}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: shop}
        spec: {mtls: {mode: PERMISSIVE}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: db-primary, namespace: shop}
        spec:
          selector: {matchLabels: {role: primary}}
          mtls: {mode: STRICT}
          portLevelMtls:
            "18080": {mode: DISABLE}
            "9999": {mode: PERMISSIVE}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: mesh-deny, namespace: istio-system}
        spec: {action: DENY, rules: [{from: [{source: {namespaces: [evil]}}]}]}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: db-allow, namespace: shop}
        spec:
          selector: {matchLabels: {app: db}}
          rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/api]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: other-app, namespace: shop}
        spec: {selector: {matchLabels: {app: other}}, rules: [{}]}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: elsewhere, namespace: web}
        spec: {action: DENY, rules: [{}]}
        """

    static func instance(
        _ id: String, namespace: String = "shop", service: String = "db", address: String, ports: [InstancePort],
        labels: [String: String], node: String, serviceAccount: String = Instance.defaultServiceAccount
    ) -> Instance {
        let date = Date(timeIntervalSince1970: 0)
        return Instance(
            id: id, service: service, namespace: namespace, address: address, ports: ports, labels: labels, node: node,
            weight: 1, check: nil, source: .api, health: .passing, healthOutput: "", registeredAt: date,
            healthChangedAt: date, serviceAccount: serviceAccount)
    }

    static func compile(options: SnapshotCompiler.Options = .init()) throws -> Snapshot {
        let instances = [
            instance(
                "db-1", address: "10.0.1.1", ports: [.init(name: "tcp-postgres", number: 5432), .init(number: 18080)],
                labels: ["app": "db", "role": "primary"], node: "node-b", serviceAccount: "postgres"),
            instance(
                "db-2", address: "10.0.1.2", ports: [.init(name: "tcp-postgres", number: 5432)],
                labels: ["app": "db", "role": "replica"], node: "node-c"),
            instance(
                "front-1", namespace: "web", service: "front", address: "10.0.2.1",
                ports: [.init(name: "http-web", number: 80)], labels: ["app": "front"], node: "node-b"),
        ]
        return SnapshotCompiler.compile(
            config: try Fixtures.config(yaml), registry: Fixtures.registry(instances), version: 1, options: options)
    }

    static func workload(_ id: String, in snapshot: Snapshot) throws -> Snapshot.InboundWorkload {
        try #require(snapshot.workloads.first { $0.instanceID == id })
    }

    @Test("every instance with a node becomes an inbound workload, sorted by id, with its identity fields")
    func workloads() throws {
        let snapshot = try Self.compile()
        #expect(snapshot.workloads.map(\.instanceID) == ["db-1", "db-2", "front-1"])
        let db = try Self.workload("db-1", in: snapshot)
        #expect(db.node == "node-b")
        #expect(db.namespace == "shop")
        #expect(db.service == "db")
        #expect(db.serviceAccount == "postgres")
        #expect(try Self.workload("db-2", in: snapshot).serviceAccount == "default")
        #expect(db.address == "10.0.1.1")
    }

    @Test("mTLS precedence: workload port over workload over namespace over the root namespace")
    func precedence() throws {
        let snapshot = try Self.compile()
        let primary = try Self.workload("db-1", in: snapshot)
        #expect(primary.mtls(forPort: 18080).mode == .disable)
        #expect(primary.mtls(forPort: 18080).source == "PeerAuthentication shop/db-primary port 18080")
        #expect(primary.mtls(forPort: 5432).mode == .strict)
        #expect(primary.mtls(forPort: 5432).source == "PeerAuthentication shop/db-primary")
        // A port the instance does not declare but its workload policy names keeps that mode.
        #expect(primary.port(9999)?.mtls.mode == .permissive)
        #expect(primary.mtls(forPort: 7000).mode == .strict)
        let replica = try Self.workload("db-2", in: snapshot)
        #expect(replica.mtls(forPort: 5432).mode == .permissive)
        #expect(replica.mtls(forPort: 5432).source == "PeerAuthentication shop/default")
        let front = try Self.workload("front-1", in: snapshot)
        #expect(front.mtls(forPort: 80).mode == .strict)
        #expect(front.mtls(forPort: 80).source == "PeerAuthentication istio-system/default")
    }

    @Test("the mesh level follows mesh.rootNamespace: policies in istio-system stop applying when it moves")
    func rootNamespace() throws {
        let snapshot = try Self.compile(options: .init(rootNamespace: "mesh-root"))
        let front = try Self.workload("front-1", in: snapshot)
        #expect(front.mtls(forPort: 80) == .default)
        #expect(front.authorization?.policies.map(\.key.name) == ["elsewhere"])
    }

    @Test("the port protocol comes from the Service port that targets it, else the port's name")
    func protocols() throws {
        let snapshot = try Self.compile()
        let primary = try Self.workload("db-1", in: snapshot)
        #expect(primary.port(5432)?.protocol == .tcp)
        #expect(primary.port(18080)?.protocol == .http)
        #expect(primary.port(18080)?.isHTTP == true)
        #expect(primary.port(9999)?.protocol == nil)
        #expect(try Self.workload("front-1", in: snapshot).port(80)?.protocol == .http)
    }

    @Test("policies of the root namespace and of the workload's namespace whose selector matches, in key order")
    func authorization() throws {
        let snapshot = try Self.compile()
        let keys = { (id: String) in try Self.workload(id, in: snapshot).authorization?.policies.map(\.key.name) ?? [] }
        #expect(try keys("db-1") == ["mesh-deny", "db-allow"])
        #expect(try keys("db-2") == ["mesh-deny", "db-allow"])
        #expect(try keys("front-1") == ["mesh-deny", "elsewhere"])
        let db = try Self.workload("db-1", in: snapshot)
        #expect(db.authorization?.policies.map(\.action) == [.deny, .allow])
        #expect(db.authorization?.workloads == [.init(namespace: "shop", labels: ["app": "db", "role": "primary"])])
    }

    @Test("without policies a workload has PERMISSIVE by default and no authorization")
    func nothing() throws {
        let instance = Self.instance(
            "a", address: "10.0.0.9", ports: [.init(number: 1)], labels: [:], node: "n")
        let snapshot = SnapshotCompiler.compile(
            config: .empty, registry: Fixtures.registry([instance]), version: 1)
        let workload = try Self.workload("a", in: snapshot)
        #expect(workload.mtls == .default)
        #expect(workload.port(1)?.mtls == .default)
        #expect(workload.authorization == nil)
    }

    @Test("each proxy node gets the workloads registered on it, a gateway node none")
    func scoping() throws {
        let snapshot = try Self.compile()
        let ids = { (node: DataPlaneNode) in snapshot.scoped(to: node).workloads.map(\.instanceID) }
        #expect(ids(DataPlaneNode(id: "node-b", roles: [.proxy])) == ["db-1", "front-1"])
        #expect(ids(.local(roles: [.gateway, .proxy], nodeName: "node-c")) == ["db-2"])
        #expect(ids(DataPlaneNode(id: "node-b", roles: [.gateway])) == [])
    }

    @Test("a change of PeerAuthentication alone is new content for the publisher")
    func content() throws {
        let before = try Self.compile()
        var after = before
        after.workloads[0].ports[0].mtls = .default
        #expect(!before.hasSameContent(as: after))
    }
}
