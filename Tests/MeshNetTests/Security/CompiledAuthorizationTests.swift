import MeshModel
import NIOHTTP1
import Testing

@testable import MeshNet

/// The compiled, per-chain authorization must decide exactly as `AuthorizationEvaluator` (the pure
/// reference with Istio's semantics): same outcome, same reason, same audited policies.
@Suite("CompiledAuthorization")
struct CompiledAuthorizationTests {
    /// The chain authorization of every policy in `resources` (all in the request's namespace).
    static func compiled(_ resources: [Resource]) -> CompiledAuthorization {
        let policies = resources.compactMap { resource -> Snapshot.AuthorizationPolicy? in
            guard case .authorizationPolicy(let spec) = resource.spec else { return nil }
            return Snapshot.AuthorizationPolicy(key: resource.key, action: spec.action ?? .allow, rules: spec.rules)
        }
        return CompiledAuthorization(Snapshot.Authorization(workloads: [], policies: policies))
    }

    /// What the gateway would gather for `request`.
    static func attributes(_ request: AuthorizationRequest) -> AuthorizationAttributes {
        var attributes = AuthorizationAttributes()
        attributes.method = request.method
        attributes.path = request.path.map { $0.prefix { $0 != "?" && $0 != "#" } }
        attributes.host = request.host?.lowercased()
        if request.isHTTP {
            var headers = HTTPHeaders()
            for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
                headers.add(name: name, value: value)
            }
            attributes.headers = headers
        }
        attributes.setPrincipal(request.sourcePrincipal)
        attributes.sourceIP = AuthorizationIPBlock.address(request.sourceIP)
        attributes.remoteIP = AuthorizationIPBlock.address(request.remoteIP)
        attributes.destinationIP = AuthorizationIPBlock.address(request.destinationIP)
        attributes.destinationPort = request.destinationPort
        attributes.serverName = request.serverName
        if let principal = request.requestPrincipal {
            let claims = request.requestClaims ?? .object([:])
            attributes.requestAuth = JWTIdentity(
                principal: principal, audiences: request.claimValues(["aud"]), presenter: claims["azp"]?.stringValue,
                claims: claims)
        }
        return attributes
    }

    static func expectSameDecision(_ resources: [Resource], _ request: AuthorizationRequest, _ comment: String) {
        let reference = AuthorizationEvaluator.evaluate(request, policies: resources)
        let authorization = compiled(resources)
        let decision = authorization.decision(authorization.evaluate(attributes(request)))
        #expect(decision == reference, "\(comment)")
    }

    static func policy(_ name: String, _ spec: String) -> String {
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: \(name), namespace: default}\nspec: \(spec)\n---\n"
    }

    static func request(
        principal: String? = nil,
        sourceIP: String? = "10.0.0.1",
        remoteIP: String? = nil,
        port: Int? = 8080,
        host: String? = "web.default",
        method: String? = "GET",
        path: String? = "/",
        headers: [String: String] = [:]
    ) -> AuthorizationRequest {
        AuthorizationRequest(
            workloadNamespace: "default",
            sourcePrincipal: principal,
            sourceIP: sourceIP,
            remoteIP: remoteIP,
            destinationPort: port,
            host: host,
            method: method,
            path: path,
            headers: headers
        )
    }

    static let table: [(String, String, AuthorizationRequest)] = [
        ("no policy", "", request()),
        ("allow nothing", policy("p", "{action: ALLOW}"), request()),
        ("allow all", policy("p", "{rules: [{}]}"), request()),
        (
            "path prefix allows", policy("p", "{rules: [{to: [{operation: {paths: [\"/api/*\"]}}]}]}"),
            request(path: "/api/x")
        ),
        (
            "path prefix misses", policy("p", "{rules: [{to: [{operation: {paths: [\"/api/*\"]}}]}]}"),
            request(path: "/web")
        ),
        ("query ignored", policy("p", "{rules: [{to: [{operation: {paths: [\"/a\"]}}]}]}"), request(path: "/a?x=1")),
        ("path suffix", policy("p", "{rules: [{to: [{operation: {paths: [\"*.png\"]}}]}]}"), request(path: "/i/a.png")),
        ("method", policy("p", "{rules: [{to: [{operation: {methods: [POST]}}]}]}"), request(method: "GET")),
        ("notMethods", policy("p", "{rules: [{to: [{operation: {notMethods: [DELETE]}}]}]}"), request()),
        (
            "host with port", policy("p", "{rules: [{to: [{operation: {hosts: [web.default]}}]}]}"),
            request(host: "WEB.default:8080")
        ),
        ("host wildcard", policy("p", "{rules: [{to: [{operation: {hosts: [\"*.default\"]}}]}]}"), request()),
        ("notHosts", policy("p", "{rules: [{to: [{operation: {notHosts: [web.default]}}]}]}"), request()),
        ("ports", policy("p", "{rules: [{to: [{operation: {ports: [\"8080\"]}}]}]}"), request()),
        ("notPorts", policy("p", "{rules: [{to: [{operation: {notPorts: [\"8080\"]}}]}]}"), request()),
        ("ipBlocks CIDR", policy("p", "{rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}]}"), request()),
        ("ipBlocks other", policy("p", "{rules: [{from: [{source: {ipBlocks: [192.168.0.0/16]}}]}]}"), request()),
        ("notIpBlocks", policy("p", "{rules: [{from: [{source: {notIpBlocks: [10.0.0.1]}}]}]}"), request()),
        (
            "remoteIpBlocks", policy("p", "{rules: [{from: [{source: {remoteIpBlocks: [1.2.3.4]}}]}]}"),
            request(remoteIP: "1.2.3.4")
        ),
        (
            "principal", policy("p", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/web]}}]}]}"),
            request(principal: "spiffe://cluster.local/ns/default/sa/web")
        ),
        (
            "principal spiffe pattern",
            policy("p", "{rules: [{from: [{source: {principals: [\"spiffe://cluster.local/ns/shop/*\"]}}]}]}"),
            request(principal: "cluster.local/ns/shop/sa/a")
        ),
        ("no principal", policy("p", "{rules: [{from: [{source: {principals: [\"*\"]}}]}]}"), request()),
        (
            "notPrincipals without identity", policy("p", "{rules: [{from: [{source: {notPrincipals: [\"*\"]}}]}]}"),
            request()
        ),
        (
            "namespaces", policy("p", "{rules: [{from: [{source: {namespaces: [shop]}}]}]}"),
            request(principal: "cluster.local/ns/shop/sa/a")
        ),
        (
            "when header", policy("p", "{rules: [{when: [{key: \"request.headers[X-Token]\", values: [secret]}]}]}"),
            request(headers: ["x-token": "secret"])
        ),
        (
            "when header missing",
            policy("p", "{rules: [{when: [{key: \"request.headers[x-token]\", values: [\"*\"]}]}]}"), request()
        ),
        (
            "when notValues", policy("p", "{rules: [{when: [{key: \"request.headers[x-env]\", notValues: [prod]}]}]}"),
            request(headers: ["x-env": "prod"])
        ),
        ("when source.ip", policy("p", "{rules: [{when: [{key: source.ip, values: [10.0.0.0/24]}]}]}"), request()),
        (
            "when destination.port", policy("p", "{rules: [{when: [{key: destination.port, values: [\"8080\"]}]}]}"),
            request()
        ),
        (
            "when source.principal",
            policy("p", "{rules: [{when: [{key: source.principal, values: [\"*/sa/web\"]}]}]}"),
            request(principal: "cluster.local/ns/default/sa/web")
        ),
        (
            "DENY before ALLOW",
            policy("a", "{rules: [{}]}")
                + policy("d", "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}"),
            request(path: "/admin/x")
        ),
        (
            "DENY not matching, ALLOW matching",
            policy("a", "{rules: [{}]}")
                + policy("d", "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}"),
            request(path: "/shop")
        ),
        (
            "second rule matches",
            policy("p", "{rules: [{to: [{operation: {methods: [PUT]}}]}, {to: [{operation: {methods: [GET]}}]}]}"),
            request()
        ),
        (
            "two ALLOW policies, second matches",
            policy("a", "{rules: [{to: [{operation: {methods: [PUT]}}]}]}")
                + policy("b", "{rules: [{to: [{operation: {methods: [GET]}}]}]}"),
            request()
        ),
        ("AUDIT recorded", policy("audit", "{action: AUDIT, rules: [{}]}"), request()),
        (
            "AUDIT with DENY",
            policy("audit", "{action: AUDIT, rules: [{}]}") + policy("d", "{action: DENY, rules: [{}]}"), request()
        ),
        (
            "AUDIT with failing ALLOW",
            policy("audit", "{action: AUDIT, rules: [{}]}")
                + policy("a", "{rules: [{to: [{operation: {methods: [PUT]}}]}]}"), request()
        ),
        (
            "TCP: DENY drops HTTP fields",
            policy("d", "{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}"),
            request(host: nil, method: nil, path: nil)
        ),
        (
            "TCP: ALLOW with HTTP fields fails",
            policy("a", "{rules: [{to: [{operation: {paths: [\"/x\"], ports: [\"8080\"]}}]}]}"),
            request(host: nil, method: nil, path: nil)
        ),
        (
            "TCP: DENY header condition dropped",
            policy("d", "{action: DENY, rules: [{when: [{key: \"request.headers[a]\", values: [b]}]}]}"),
            request(host: nil, method: nil, path: nil)
        ),
        (
            "from, to and when all needed",
            policy(
                "p",
                "{rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}], to: [{operation: {methods: [GET]}}], when: [{key: \"request.headers[x-a]\", values: [b]}]}]}"
            ),
            request(headers: ["x-a": "c"])
        ),
    ]

    @Test("decides every table case as AuthorizationEvaluator does")
    func table() throws {
        #expect(Self.table.count >= 25)
        for (name, yaml, request) in Self.table {
            Self.expectSameDecision(try ResourceDecoder.decode(yaml), request, name)
        }
    }

    @Test("decides 3,000 random policy sets and requests as AuthorizationEvaluator does")
    func randomised() {
        var random = AuthorizationFuzzer(seed: 0x5EED)
        for round in 0..<3000 {
            let resources = random.policies()
            let request = random.request()
            Self.expectSameDecision(resources, request, "round \(round): \(resources) \(request)")
        }
    }

    @Test("needs lists only what the rules read")
    func needs() throws {
        let plain = Self.compiled(
            try ResourceDecoder.decode(Self.policy("p", "{rules: [{to: [{operation: {paths: [\"/a\"]}}]}]}"))
        )
        #expect(plain.needs.isEmpty)
        let rich = Self.compiled(
            try ResourceDecoder.decode(
                Self.policy(
                    "p",
                    "{rules: [{from: [{source: {principals: [a], remoteIpBlocks: [1.2.3.4]}}], when: [{key: \"request.headers[x]\", values: [y]}, {key: destination.ip, values: [10.0.0.1]}]}]}"
                )
            )
        )
        #expect(rich.needs == [.principal, .remoteIP, .headers, .destinationIP])
    }
}
