import MeshModel
import Testing

/// One AuthorizationPolicy document in flow YAML, for `ResourceDecoder.decode`.
private func policy(_ name: String, in namespace: String = "default", _ spec: String) -> String {
    """
    apiVersion: security.istio.io/v1
    kind: AuthorizationPolicy
    metadata: {name: \(name), namespace: \(namespace)}
    spec: \(spec)
    ---

    """
}

private func request(
    namespace: String = "default",
    labels: [String: String] = ["app": "web"],
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
        workloadNamespace: namespace,
        workloadLabels: labels,
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

struct AuthorizationCase: CustomTestStringConvertible, Sendable {
    let name: String
    let policies: String
    let request: AuthorizationRequest
    let allowed: Bool
    let reason: String
    var audited: [String] = []
    var testDescription: String { name }
}

private let allowAll = policy("allow-all", "{rules: [{}]}")
private let denyAdmin = policy("deny-admin", "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}")
private let web = "cluster.local/ns/default/sa/web"

@Suite("AuthorizationEvaluator")
struct AuthorizationEvaluatorTests {
    static let cases: [AuthorizationCase] = [
        .init(
            name: "no policy allows",
            policies: "",
            request: request(),
            allowed: true,
            reason: "allowed: no ALLOW policy applies"
        ),
        .init(
            name: "ALLOW without rules allows nothing",
            policies: policy("allow-nothing", "{action: ALLOW}"),
            request: request(),
            allowed: false,
            reason: "no ALLOW policy matched (1 ALLOW policy applies)"
        ),
        .init(
            name: "empty rule matches everything",
            policies: allowAll,
            request: request(),
            allowed: true,
            reason: "allowed by ALLOW policy default/allow-all rule 0"
        ),
        .init(
            name: "DENY beats ALLOW",
            policies: allowAll + denyAdmin,
            request: request(path: "/admin/users"),
            allowed: false,
            reason: "denied by DENY policy default/deny-admin rule 0"
        ),
        .init(
            name: "DENY not matching leaves ALLOW",
            policies: allowAll + denyAdmin,
            request: request(path: "/shop"),
            allowed: true,
            reason: "allowed by ALLOW policy default/allow-all"
        ),
        .init(
            name: "DENY without rules denies nothing",
            policies: policy("deny-none", "{action: DENY}"),
            request: request(),
            allowed: true,
            reason: "no ALLOW policy applies"
        ),
        .init(
            name: "principal matches",
            policies: policy("p", "{rules: [{from: [{source: {principals: [\"\(web)\"]}}]}]}"),
            request: request(principal: "spiffe://\(web)"),
            allowed: true,
            reason: "allowed by ALLOW policy default/p rule 0"
        ),
        .init(
            name: "principal differs",
            policies: policy("p", "{rules: [{from: [{source: {principals: [\"\(web)\"]}}]}]}"),
            request: request(principal: "cluster.local/ns/default/sa/db"),
            allowed: false,
            reason: "no ALLOW policy matched (1 ALLOW policy applies)"
        ),
        .init(
            name: "principal prefix and suffix",
            policies: policy(
                "p",
                "{rules: [{from: [{source: {principals: [\"cluster.local/ns/x/*\", \"*/sa/web\"]}}]}]}"
            ),
            request: request(principal: web),
            allowed: true,
            reason: "rule 0"
        ),
        .init(
            name: "notPrincipals * denies plain text",
            policies: policy("need-mtls", "{action: DENY, rules: [{from: [{source: {notPrincipals: [\"*\"]}}]}]}"),
            request: request(principal: nil),
            allowed: false,
            reason: "denied by DENY policy default/need-mtls rule 0"
        ),
        .init(
            name: "notPrincipals * passes mTLS",
            policies: policy("need-mtls", "{action: DENY, rules: [{from: [{source: {notPrincipals: [\"*\"]}}]}]}"),
            request: request(principal: web),
            allowed: true,
            reason: "no ALLOW policy applies"
        ),
        .init(
            name: "namespace from principal",
            policies: policy("ns", "{rules: [{from: [{source: {namespaces: [prod]}}]}]}"),
            request: request(principal: "cluster.local/ns/prod/sa/api"),
            allowed: true,
            reason: "default/ns rule 0"
        ),
        .init(
            name: "namespace differs",
            policies: policy("ns", "{rules: [{from: [{source: {namespaces: [prod]}}]}]}"),
            request: request(principal: web),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "ipBlocks CIDR",
            policies: policy("ip", "{rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}]}"),
            request: request(sourceIP: "10.200.3.4"),
            allowed: true,
            reason: "default/ip rule 0"
        ),
        .init(
            name: "ipBlocks outside CIDR",
            policies: policy("ip", "{rules: [{from: [{source: {ipBlocks: [10.0.0.0/8, 192.168.1.1]}}]}]}"),
            request: request(sourceIP: "11.0.0.1"),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "ipBlocks IPv6",
            policies: policy("ip6", "{rules: [{from: [{source: {ipBlocks: [\"2001:db8::/32\"]}}]}]}"),
            request: request(sourceIP: "2001:db8:1::7"),
            allowed: true,
            reason: "default/ip6 rule 0"
        ),
        .init(
            name: "notIpBlocks in DENY",
            policies: policy(
                "lan-only",
                "{action: DENY, rules: [{from: [{source: {notIpBlocks: [192.168.0.0/16]}}]}]}"
            ),
            request: request(sourceIP: "10.0.0.1"),
            allowed: false,
            reason: "denied by DENY policy default/lan-only rule 0"
        ),
        .init(
            name: "remoteIpBlocks uses the original client",
            policies: policy("remote", "{rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]}"),
            request: request(sourceIP: "10.0.0.1", remoteIP: "203.0.113.7"),
            allowed: true,
            reason: "default/remote rule 0"
        ),
        .init(
            name: "remoteIpBlocks not the peer",
            policies: policy("remote", "{rules: [{from: [{source: {remoteIpBlocks: [10.0.0.0/8]}}]}]}"),
            request: request(sourceIP: "10.0.0.1", remoteIP: "198.51.100.1"),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "path prefix",
            policies: policy("api", "{rules: [{to: [{operation: {paths: [\"/api/*\"]}}]}]}"),
            request: request(path: "/api/v1/items?page=2"),
            allowed: true,
            reason: "default/api rule 0"
        ),
        .init(
            name: "path suffix",
            policies: policy("img", "{rules: [{to: [{operation: {paths: [\"*.png\"]}}]}]}"),
            request: request(path: "/img/logo.png"),
            allowed: true,
            reason: "default/img rule 0"
        ),
        .init(
            name: "path suffix mismatch",
            policies: policy("img", "{rules: [{to: [{operation: {paths: [\"*.png\"]}}]}]}"),
            request: request(path: "/img/logo.jpg"),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "notPaths",
            policies: policy("not-health", "{rules: [{to: [{operation: {notPaths: [/healthz]}}]}]}"),
            request: request(path: "/healthz"),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "method exact",
            policies: policy("get", "{rules: [{to: [{operation: {methods: [GET, HEAD]}}]}]}"),
            request: request(method: "HEAD"),
            allowed: true,
            reason: "default/get rule 0"
        ),
        .init(
            name: "method is case-sensitive",
            policies: policy("get", "{rules: [{to: [{operation: {methods: [GET]}}]}]}"),
            request: request(method: "get"),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "port matches",
            policies: policy("port", "{rules: [{to: [{operation: {ports: [\"8080\"]}}]}]}"),
            request: request(port: 8080),
            allowed: true,
            reason: "default/port rule 0"
        ),
        .init(
            name: "port differs",
            policies: policy("port", "{rules: [{to: [{operation: {ports: [\"8080\"]}}]}]}"),
            request: request(port: 9090),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "host is case-insensitive and ignores the port",
            policies: policy("host", "{rules: [{to: [{operation: {hosts: [Shop.Example.COM]}}]}]}"),
            request: request(host: "shop.example.com:8443"),
            allowed: true,
            reason: "default/host rule 0"
        ),
        .init(
            name: "host wildcard suffix",
            policies: policy("host", "{rules: [{to: [{operation: {hosts: [\"*.example.com\"]}}]}]}"),
            request: request(host: "api.example.org"),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "when header value",
            policies: policy("token", "{rules: [{when: [{key: \"request.headers[X-Token]\", values: [secret]}]}]}"),
            request: request(headers: ["x-token": "secret"]),
            allowed: true,
            reason: "default/token rule 0"
        ),
        .init(
            name: "when header missing",
            policies: policy("token", "{rules: [{when: [{key: \"request.headers[X-Token]\", values: [secret]}]}]}"),
            request: request(),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "when source.ip and notValues",
            policies: policy(
                "src",
                "{rules: [{when: [{key: source.ip, values: [10.0.0.0/8], notValues: [10.9.0.0/16]}]}]}"
            ),
            request: request(sourceIP: "10.9.1.1"),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
        .init(
            name: "when source.ip in range",
            policies: policy("src", "{rules: [{when: [{key: source.ip, values: [10.0.0.0/8]}]}]}"),
            request: request(sourceIP: "10.1.1.1"),
            allowed: true,
            reason: "default/src rule 0"
        ),
        .init(
            name: "from ORed, from and to ANDed",
            policies: policy(
                "mix",
                "{rules: [{from: [{source: {namespaces: [a]}}, {source: {ipBlocks: [10.0.0.1]}}], to: [{operation: {methods: [POST]}}]}]}"
            ),
            request: request(method: "POST"),
            allowed: true,
            reason: "default/mix rule 0"
        ),
        .init(
            name: "second rule decides",
            policies: policy(
                "two",
                "{rules: [{to: [{operation: {methods: [POST]}}]}, {to: [{operation: {methods: [GET]}}]}]}"
            ),
            request: request(method: "GET"),
            allowed: true,
            reason: "default/two rule 1"
        ),
        .init(
            name: "selector not matching: policy does not apply",
            policies: policy("db-only", "{selector: {matchLabels: {app: db}}, action: ALLOW}"),
            request: request(labels: ["app": "web"]),
            allowed: true,
            reason: "allowed: no ALLOW policy applies"
        ),
        .init(
            name: "selector matching applies",
            policies: policy("db-only", "{selector: {matchLabels: {app: db}}, action: ALLOW}"),
            request: request(labels: ["app": "db", "v": "1"]),
            allowed: false,
            reason: "1 ALLOW policy applies"
        ),
        .init(
            name: "root-namespace policy applies to every namespace",
            policies: policy(
                "deny-admin",
                in: "istio-system",
                "{action: DENY, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}"
            ),
            request: request(namespace: "shop", path: "/admin"),
            allowed: false,
            reason: "denied by DENY policy istio-system/deny-admin rule 0"
        ),
        .init(
            name: "other namespace's policy does not apply",
            policies: policy("deny-all", in: "other", "{action: DENY, rules: [{}]}"),
            request: request(),
            allowed: true,
            reason: "no ALLOW policy applies"
        ),
        .init(
            name: "AUDIT is recorded, does not decide",
            policies: policy("audit-all", "{action: AUDIT, rules: [{}]}"),
            request: request(),
            allowed: true,
            reason: "no ALLOW policy applies",
            audited: ["audit-all"]
        ),
        .init(
            name: "AUDIT with DENY",
            policies: policy("audit-admin", "{action: AUDIT, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}")
                + denyAdmin,
            request: request(path: "/admin"),
            allowed: false,
            reason: "denied by DENY policy default/deny-admin",
            audited: ["audit-admin"]
        ),
        .init(
            name: "AUDIT not matching is not recorded",
            policies: policy("audit-admin", "{action: AUDIT, rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]}")
                + allowAll,
            request: request(path: "/shop"),
            allowed: true,
            reason: "allow-all rule 0"
        ),
        .init(
            name: "TCP: DENY drops HTTP-only fields and denies more",
            policies: policy("deny-get", "{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}"),
            request: request(host: nil, method: nil, path: nil),
            allowed: false,
            reason: "denied by DENY policy default/deny-get rule 0"
        ),
        .init(
            name: "TCP: ALLOW with HTTP-only fields does not match",
            policies: policy("allow-get", "{rules: [{to: [{operation: {methods: [GET], ports: [\"8080\"]}}]}]}"),
            request: request(host: nil, method: nil, path: nil),
            allowed: false,
            reason: "no ALLOW policy matched"
        ),
    ]

    @Test("evaluates policies as Istio does", arguments: cases)
    func evaluates(_ testCase: AuthorizationCase) throws {
        let resources = try ResourceDecoder.decode(testCase.policies)
        let decision = AuthorizationEvaluator.evaluate(testCase.request, policies: resources)
        #expect(decision.allowed == testCase.allowed, "\(decision.reason)")
        #expect(decision.reason.contains(testCase.reason), "\(decision.reason)")
        #expect(decision.audited.map(\.name) == testCase.audited)
    }

    @Test("names the deciding policy and rule")
    func decidingPolicy() throws {
        let resources = try ResourceDecoder.decode(allowAll + denyAdmin)
        let decision = AuthorizationEvaluator.evaluate(request(path: "/admin"), policies: resources)
        #expect(decision.policy == ResourceKey(kind: .authorizationPolicy, namespace: "default", name: "deny-admin"))
        #expect(decision.rule == 0)
    }

    @Test("unsupported when keys never match")
    func unsupportedKey() {
        let spec = AuthorizationPolicySpec(
            rules: [.init(when: [.init(key: "request.auth.claims[iss]", values: ["*"])])],
            action: .allow
        )
        let resource = Resource(metadata: ObjectMeta(name: "jwt"), spec: .authorizationPolicy(spec))
        #expect(!AuthorizationEvaluator.evaluate(request(), policies: [resource]).allowed)
    }
}
