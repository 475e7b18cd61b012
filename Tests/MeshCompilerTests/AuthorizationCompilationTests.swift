import Foundation
import MeshAPI
import MeshCompiler
import MeshModel
import Testing

/// An AuthorizationPolicy document in flow YAML.
private func policy(_ name: String, in namespace: String = "default", _ spec: String) -> String {
    """

    ---
    apiVersion: security.istio.io/v1
    kind: AuthorizationPolicy
    metadata: {name: \(name), namespace: \(namespace)}
    spec: \(spec)

    """
}

private func key(_ namespace: String, _ name: String) -> ResourceKey {
    ResourceKey(kind: .authorizationPolicy, namespace: namespace, name: name)
}

@Suite("SnapshotCompiler: AuthorizationPolicy on gateway chains")
struct AuthorizationCompilationTests {
    static func compile(_ yaml: String, options: SnapshotCompiler.Options = .init()) throws -> Snapshot {
        SnapshotCompiler.compile(
            config: try Fixtures.config(yaml),
            registry: Fixtures.registry(Fixtures.reviewsInstances()),
            version: 1,
            options: options
        )
    }

    /// The keys of the policies on the first chain of the bookinfo gateway's port 8080.
    static func policyKeys(_ yaml: String, options: SnapshotCompiler.Options = .init()) throws -> [ResourceKey] {
        let snapshot = try compile(yaml, options: options)
        let chain = try #require(snapshot.listener(named: "0.0.0.0_8080")?.filterChains.first)
        return chain.authorization?.policies.map(\.key) ?? []
    }

    @Test("a policy in istio-system applies to a Gateway of another namespace by default; with the root namespace set, the configured namespace's does")
    func rootNamespaceSetting() throws {
        let yaml =
            try Fixtures.bookinfo()
            + policy("istio-wide", in: "istio-system", "{action: DENY, rules: [{to: [{operation: {paths: [\"/a\"]}}]}]}")
            + policy("custom-wide", in: "mesh-root", "{action: DENY, rules: [{to: [{operation: {paths: [\"/b\"]}}]}]}")
        #expect(try Self.policyKeys(yaml) == [key("istio-system", "istio-wide")])
        #expect(
            try Self.policyKeys(yaml, options: .init(rootNamespace: "mesh-root")) == [key("mesh-root", "custom-wide")])
    }

    @Test("without policies no chain carries an authorization")
    func noPolicies() throws {
        let snapshot = try Self.compile(Fixtures.bookinfo())
        #expect(!snapshot.listeners.isEmpty)
        #expect(snapshot.listeners.allSatisfy { $0.filterChains.allSatisfy { $0.authorization == nil } })
    }

    @Test("root-namespace and gateway-namespace policies whose selector matches the Gateway's apply, in key order")
    func applicability() throws {
        let yaml =
            try Fixtures.bookinfo()
            + policy(
                "mesh-deny",
                in: "istio-system",
                "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}"
            )
            + policy("mesh-other", in: "istio-system", "{selector: {matchLabels: {app: other}}, rules: [{}]}")
            + policy(
                "allow-get",
                "{selector: {matchLabels: {istio: ingressgateway}}, rules: [{to: [{operation: {methods: [GET]}}]}]}"
            )
            + policy("audit", "{action: AUDIT, rules: [{}]}")
            + policy("wrong-selector", "{selector: {matchLabels: {istio: egressgateway}}, rules: [{}]}")
            + policy("elsewhere", in: "shop", "{action: DENY, rules: [{}]}")
        let snapshot = try Self.compile(yaml)
        for name in ["0.0.0.0_8080", "0.0.0.0_8443"] {
            let chain = try #require(snapshot.listener(named: name)?.filterChains.first)
            let authorization = try #require(chain.authorization, "\(name)")
            #expect(authorization.workloads == [.init(namespace: "default", labels: ["istio": "ingressgateway"])])
            #expect(
                authorization.policies.map(\.key) == [
                    key("default", "allow-get"), key("default", "audit"), key("istio-system", "mesh-deny"),
                ]
            )
            #expect(authorization.policies.map(\.action) == [.allow, .audit, .deny])
            #expect(authorization.policies[0].rules.first?.to.first?.operation?.methods == ["GET"])
        }
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
    }

    @Test("a Gateway without a selector is a workload without labels: only selector-less policies apply")
    func noSelector() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: plain, namespace: edge}
            spec:
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: ["*"]
            """
            + policy("all", in: "edge", "{rules: [{}]}")
            + policy(
                "selected",
                in: "edge",
                "{selector: {matchLabels: {istio: ingressgateway}}, action: DENY, rules: [{}]}"
            )
        let snapshot = try Self.compile(yaml)
        let chain = try #require(snapshot.listener(named: "0.0.0.0_80")?.filterChains.first)
        #expect(chain.authorization?.policies.map(\.key) == [key("edge", "all")])
        #expect(chain.authorization?.workloads == [.init(namespace: "edge")])
    }

    @Test("Gateways of different workloads sharing a port enforce the policies of all of them, with a warning")
    func sharedPort() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: a, namespace: team-a}
            spec:
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: ["a.example.com"]
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: b, namespace: team-b}
            spec:
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: ["b.example.com"]
            """
            + policy("deny-a", in: "team-a", "{action: DENY, rules: [{to: [{operation: {paths: [\"/a*\"]}}]}]}")
        let snapshot = try Self.compile(yaml)
        let chain = try #require(snapshot.listener(named: "0.0.0.0_80")?.filterChains.first)
        #expect(chain.authorization?.policies.map(\.key) == [key("team-a", "deny-a")])
        #expect(chain.authorization?.workloads.map(\.namespace) == ["team-a", "team-b"])
        #expect(
            snapshot.warnings.contains { $0.message.contains("port 80 is shared by Gateways of different workloads") }
        )
    }

    @Test("TCP and passthrough chains carry no HTTP authorization")
    func tcpChains() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: db, namespace: default}
            spec:
              servers:
              - port: {number: 5432, name: tcp, protocol: TCP}
                hosts: ["*"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: db, namespace: default}
            spec:
              hosts: ["*"]
              gateways: ["db"]
              tcp:
              - route: [{destination: {host: reviews, port: {number: 9080}}}]
            """
            + policy("deny-all", "{action: DENY, rules: [{}]}")
        let snapshot = try Self.compile(yaml)
        let chain = try #require(snapshot.listener(named: "0.0.0.0_5432")?.filterChains.first)
        #expect(chain.authorization == nil)
    }

    @Test("a condition on connection.sni is reported: the gateway's HTTP authorization cannot see the SNI")
    func sniWarning() throws {
        let yaml =
            try Fixtures.bookinfo()
            + policy("sni", "{rules: [{when: [{key: connection.sni, values: [\"bookinfo.example.com\"]}]}]}")
        let snapshot = try Self.compile(yaml)
        #expect(
            snapshot.warnings.contains {
                $0.path == "spec.rules[0].when[0].key" && $0.message.contains("connection.sni")
            }
        )
    }

    @Test("changing a policy changes the snapshot's content (the data plane gets a new version)")
    func policyChange() throws {
        let before = try Self.compile(
            Fixtures.bookinfo() + policy("p", "{rules: [{to: [{operation: {methods: [GET]}}]}]}")
        )
        let after = try Self.compile(
            Fixtures.bookinfo() + policy("p", "{rules: [{to: [{operation: {methods: [POST]}}]}]}")
        )
        #expect(!before.hasSameContent(as: after))
    }

    @Test("the authorization survives a JSON round trip (Codable snapshot)")
    func codable() throws {
        let snapshot = try Self.compile(
            Fixtures.bookinfo()
                + policy(
                    "p",
                    "{rules: [{from: [{source: {ipBlocks: [\"10.0.0.0/8\"]}}], when: [{key: \"request.headers[x-a]\", values: [b]}]}]}"
                )
        )
        let data = try JSONEncoder().encode(snapshot)
        #expect(try JSONDecoder().decode(Snapshot.self, from: data) == snapshot)
    }
}
