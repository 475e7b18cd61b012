import MeshModel
import NIOHTTP1
import Testing

@testable import MeshNet

@Suite("InboundPolicy: PeerAuthentication and AuthorizationPolicy where traffic arrives")
struct InboundPolicyTests {
    static let api = "spiffe://cluster.local/ns/shop/sa/api"
    static let web = "spiffe://cluster.local/ns/web/sa/front"

    /// The snapshot's authorization for the AuthorizationPolicies written in `yaml`.
    static func authorization(_ yaml: String) throws -> Snapshot.Authorization? {
        let policies = try ResourceDecoder.decode(yaml).compactMap { resource -> Snapshot.AuthorizationPolicy? in
            guard case .authorizationPolicy(let spec) = resource.spec else { return nil }
            return Snapshot.AuthorizationPolicy(key: resource.key, action: spec.action ?? .allow, rules: spec.rules)
        }
        return policies.isEmpty ? nil : Snapshot.Authorization(workloads: [], policies: policies)
    }

    static func policy(_ name: String, _ spec: String) -> String {
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: \(name), namespace: shop}\nspec: \(spec)\n---\n"
    }

    static func mtls(_ mode: EffectiveMTLS.Mode) -> EffectiveMTLS {
        EffectiveMTLS(mode: mode, source: "PeerAuthentication shop/\(mode.rawValue.lowercased())")
    }

    /// `db` at 10.0.1.1: TCP 5432 and HTTP 8080, with `mode` on both and the given policies.
    static func policy(mode: EffectiveMTLS.Mode = .permissive, _ yaml: String = "") throws -> InboundPolicy {
        let workload = Snapshot.InboundWorkload(
            instanceID: "db-1", node: "node-b", namespace: "shop", service: "db", address: "10.0.1.1",
            mtls: mtls(mode),
            ports: [
                .init(number: 5432, protocol: .tcp, mtls: mtls(mode)),
                .init(number: 8080, protocol: .http, mtls: mtls(mode)),
            ],
            authorization: try authorization(yaml))
        return InboundPolicy(Snapshot(workloads: [workload]))
    }

    static func connection(
        port: UInt32 = 5432, peer: String? = api, tunnelled: Bool = true, source: String = "10.0.9.9"
    ) -> InboundPolicy.Connection {
        .init(address: "10.0.1.1", port: port, peer: tunnelled ? peer : nil, tunnelled: tunnelled, sourceIP: source)
    }

    static func request(_ uri: String, method: HTTPMethod = .GET, headers: [(String, String)] = []) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "host", value: "db.shop")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        return head
    }

    // MARK: PeerAuthentication

    @Test("STRICT refuses plain text with the policy in the reason, and accepts tunnelled mTLS")
    func strict() throws {
        let policy = try Self.policy(mode: .strict)
        let refused = policy.decide(Self.connection(tunnelled: false))
        #expect(refused.reason?.hasPrefix("STRICT PeerAuthentication shop/strict: plaintext refused") == true)
        #expect(policy.decide(Self.connection()) == .allow)
        #expect(policy.decide(Self.connection(peer: nil))
            .reason?.contains("no verified peer identity") == true)
        #expect(policy.authorize(Self.connection(port: 8080, tunnelled: false), request: Self.request("/")).isAllowed == false)
    }

    @Test("PERMISSIVE and DISABLE accept plain text and tunnelled mTLS", arguments: [EffectiveMTLS.Mode.permissive, .disable])
    func permissive(mode: EffectiveMTLS.Mode) throws {
        let policy = try Self.policy(mode: mode)
        #expect(policy.decide(Self.connection(tunnelled: false)) == .allow)
        #expect(policy.decide(Self.connection()) == .allow)
    }

    @Test("a port the workload does not declare takes the workload's mode; an unknown address is refused")
    func unknownPortAndAddress() throws {
        let policy = try Self.policy(mode: .strict)
        #expect(policy.decide(Self.connection(port: 7000, tunnelled: false)).isAllowed == false)
        let elsewhere = InboundPolicy.Connection(address: "10.0.1.2", port: 5432, peer: nil, tunnelled: false, sourceIP: nil)
        #expect(policy.decide(elsewhere).reason == "no workload registered on this node serves 10.0.1.2:5432")
        #expect(InboundPolicy.empty.decide(elsewhere).isAllowed == false)
    }

    // MARK: AuthorizationPolicy on a TCP port

    @Test("ALLOW by principal: the allowed service account passes, another is refused with the policy named")
    func principals() throws {
        let policy = try Self.policy(Self.policy("db-allow", "{rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/api]}}]}]}"))
        #expect(policy.decide(Self.connection()) == .allow)
        let refused = policy.decide(Self.connection(peer: Self.web))
        #expect(refused.reason == "no ALLOW AuthorizationPolicy (shop/db-allow) matches principal \(Self.web) from 10.0.9.9 to shop/db (db-1) port 5432")
        // A plain-text peer has no principal, even when one is claimed.
        #expect(policy.decide(Self.connection(tunnelled: false)).isAllowed == false)
    }

    @Test("ALLOW by namespace, ipBlocks and ports")
    func namespacesBlocksPorts() throws {
        let byNamespace = try Self.policy(Self.policy("ns", "{rules: [{from: [{source: {namespaces: [web]}}]}]}"))
        #expect(byNamespace.decide(Self.connection(peer: Self.web)) == .allow)
        #expect(!byNamespace.decide(Self.connection(peer: Self.api)).isAllowed)
        let byBlock = try Self.policy(Self.policy("ip", "{rules: [{from: [{source: {ipBlocks: [10.0.9.0/24]}}]}]}"))
        #expect(byBlock.decide(Self.connection(tunnelled: false, source: "10.0.9.200")) == .allow)
        #expect(!byBlock.decide(Self.connection(tunnelled: false, source: "10.0.8.1")).isAllowed)
        let byRemote = try Self.policy(Self.policy("rip", "{rules: [{from: [{source: {remoteIpBlocks: [10.0.9.0/24]}}]}]}"))
        #expect(byRemote.decide(Self.connection(source: "10.0.9.1")) == .allow)
        #expect(!byRemote.decide(Self.connection(source: "192.168.0.1")).isAllowed)
        let byPort = try Self.policy(Self.policy("port", "{rules: [{to: [{operation: {ports: [\"5432\"]}}]}]}"))
        #expect(byPort.decide(Self.connection(port: 5432)) == .allow)
        #expect(!byPort.decide(Self.connection(port: 7000)).isAllowed)
    }

    @Test("DENY is decided before ALLOW and names its policy and rule")
    func denyFirst() throws {
        let yaml =
            Self.policy("allow-all", "{rules: [{}]}")
            + Self.policy("deny-web", "{action: DENY, rules: [{from: [{source: {namespaces: [x]}}]}, {from: [{source: {namespaces: [web]}}]}]}")
        let policy = try Self.policy(yaml)
        #expect(policy.decide(Self.connection()) == .allow)
        #expect(
            policy.decide(Self.connection(peer: Self.web)).reason
                == "AuthorizationPolicy shop/deny-web rule 1 (DENY) denies principal \(Self.web) from 10.0.9.9 to shop/db (db-1) port 5432")
    }

    @Test("HTTP-only fields on a TCP port, as Istio: an ALLOW rule never matches, a DENY rule matches without them")
    func httpOnlyFieldsOnTCP() throws {
        let allowPaths = try Self.policy(Self.policy("allow-get", "{rules: [{to: [{operation: {methods: [GET]}}]}]}"))
        #expect(!allowPaths.decide(Self.connection()).isAllowed)
        let denyPaths = try Self.policy(
            Self.policy("deny-admin", "{action: DENY, rules: [{from: [{source: {namespaces: [web]}}], to: [{operation: {paths: [/admin]}}]}]}"))
        #expect(!denyPaths.decide(Self.connection(peer: Self.web)).isAllowed)
        #expect(denyPaths.decide(Self.connection(peer: Self.api)) == .allow)
        let denyHeader = try Self.policy(
            Self.policy("deny-header", "{action: DENY, rules: [{when: [{key: \"request.headers[x-debug]\", values: [\"1\"]}]}]}"))
        #expect(!denyHeader.decide(Self.connection()).isAllowed)
    }

    // MARK: AuthorizationPolicy on an HTTP port

    @Test("an HTTP port is authorized per request by path, method and header; the connection only by its mTLS mode")
    func http() throws {
        let yaml =
            Self.policy("allow-read", "{rules: [{to: [{operation: {methods: [GET], paths: [\"/api/*\"]}}]}]}")
            + Self.policy("deny-debug", "{action: DENY, rules: [{when: [{key: \"request.headers[x-debug]\", values: [\"on\"]}]}]}")
        let policy = try Self.policy(yaml)
        let connection = Self.connection(port: 8080)
        #expect(policy.authorizesRequests(address: "10.0.1.1", port: 8080))
        #expect(!policy.authorizesRequests(address: "10.0.1.1", port: 5432))
        #expect(policy.decide(connection) == .allow)
        #expect(policy.authorize(connection, request: Self.request("/api/items?x=1")) == .allow)
        #expect(!policy.authorize(connection, request: Self.request("/api/items", method: .POST)).isAllowed)
        #expect(!policy.authorize(connection, request: Self.request("/admin")).isAllowed)
        #expect(!policy.authorize(connection, request: Self.request("/api/../admin")).isAllowed)
        let debug = policy.authorize(connection, request: Self.request("/api/items", headers: [("X-Debug", "on")]))
        #expect(debug.reason?.hasPrefix("AuthorizationPolicy shop/deny-debug rule 0 (DENY) denies principal") == true)
        #expect(debug.reason?.hasSuffix("port 8080 GET /api/items") == true)
    }

    @Test("a workload no policy selects allows every connection its mTLS mode accepts")
    func noPolicies() throws {
        let policy = try Self.policy()
        #expect(policy.decide(Self.connection(peer: Self.web)) == .allow)
        #expect(!policy.authorizesRequests(address: "10.0.1.1", port: 8080))
        #expect(policy.authorize(Self.connection(port: 8080), request: Self.request("/", method: .DELETE)) == .allow)
    }
}
