import MeshModel

/// Random AuthorizationPolicy sets and requests over small vocabularies that hit every matcher
/// branch (patterns, CIDRs, bad values, `not…` fields, TCP), reproducible from a seed.
struct AuthorizationFuzzer {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    private mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    private mutating func pick<T>(_ values: [T]) -> T { values[int(values.count)] }

    /// 0–2 values, mostly none (an empty field is "not set").
    private mutating func some(_ values: [String], percent: Int = 25) -> [String] {
        guard chance(percent) else { return [] }
        return (0...int(2)).map { _ in pick(values) }
    }

    static let principals = ["cluster.local/ns/default/sa/web", "spiffe://cluster.local/ns/shop/*", "*", "*/sa/admin"]
    static let namespaces = ["default", "shop", "*", "sh*"]
    static let blocks = ["10.0.0.0/8", "10.0.0.1", "192.168.0.0/16", "::1", "0.0.0.0/0", "bogus", "10.0.0.0/33"]
    static let hosts = ["web.default", "*.default", "WEB.default", "*", "web.default:8080", "other"]
    static let ports = ["8080", "80", "080"]
    static let methods = ["GET", "POST", "G*", "*"]
    static let paths = ["/", "/admin*", "*.png", "/a/b", "*"]
    static let tokens = ["abc", "a*", "*", "*c"]
    static let requestPrincipals = ["https://issuer/alice", "https://issuer/*", "*", "*/bob"]
    static let claimValues = ["admin", "ad*", "*", "shop"]

    mutating func policies() -> [Resource] {
        (0..<int(4)).map { index in
            let action = pick([AuthorizationPolicySpec.Action.allow, .deny, .audit, .allow])
            let rules = (0..<int(3)).map { _ in rule() }
            let spec = AuthorizationPolicySpec(rules: rules, action: chance(20) ? nil : action)
            return Resource(metadata: ObjectMeta(name: "p\(index)"), spec: .authorizationPolicy(spec))
        }
    }

    private mutating func rule() -> AuthorizationPolicySpec.Rule {
        let from = (0..<int(3)).map { _ in
            AuthorizationPolicySpec.Rule.From(
                source: chance(10)
                    ? nil
                    : .init(
                        principals: some(Self.principals),
                        notPrincipals: some(Self.principals, percent: 10),
                        namespaces: some(Self.namespaces),
                        notNamespaces: some(Self.namespaces, percent: 10),
                        ipBlocks: some(Self.blocks),
                        notIpBlocks: some(Self.blocks, percent: 10),
                        remoteIpBlocks: some(Self.blocks, percent: 15),
                        notRemoteIpBlocks: some(Self.blocks, percent: 10),
                        requestPrincipals: some(Self.requestPrincipals, percent: 15),
                        notRequestPrincipals: some(Self.requestPrincipals, percent: 10)
                    )
            )
        }
        let to = (0..<int(3)).map { _ in
            AuthorizationPolicySpec.Rule.To(
                operation: chance(10)
                    ? nil
                    : .init(
                        hosts: some(Self.hosts),
                        notHosts: some(Self.hosts, percent: 10),
                        ports: some(Self.ports),
                        notPorts: some(Self.ports, percent: 10),
                        methods: some(Self.methods),
                        notMethods: some(Self.methods, percent: 10),
                        paths: some(Self.paths),
                        notPaths: some(Self.paths, percent: 10)
                    )
            )
        }
        let when = (0..<int(3)).map { _ in condition() }
        return .init(from: from, to: to, when: when)
    }

    private mutating func condition() -> AuthorizationPolicySpec.Condition {
        let (key, vocabulary): (String, [String]) = pick([
            ("request.headers[x-token]", Self.tokens), ("request.headers[X-Token]", Self.tokens),
            ("source.ip", Self.blocks), ("remote.ip", Self.blocks), ("destination.ip", Self.blocks),
            ("source.namespace", Self.namespaces), ("source.principal", Self.principals),
            ("destination.port", Self.ports), ("connection.sni", Self.hosts), ("request.auth.claims[iss]", ["*"]),
            ("request.auth.principal", Self.requestPrincipals), ("request.auth.audiences", Self.claimValues),
            ("request.auth.presenter", Self.claimValues), ("request.auth.claims[realm][roles]", Self.claimValues),
            ("request.auth.claims[groups]", Self.claimValues),
        ])
        var values = some(vocabulary, percent: 70)
        let notValues = some(vocabulary, percent: 30)
        if values.isEmpty && notValues.isEmpty { values = [pick(vocabulary)] }
        return .init(key: key, values: values, notValues: notValues)
    }

    mutating func request() -> AuthorizationRequest {
        let tcp = chance(15)
        let jwt: (String, JSONValue)? =
            chance(40)
            ? (
                pick(["https://issuer/alice", "https://issuer/bob", "https://other/bob", "https://issuer/"]),
                .object([
                    "aud": pick([.string("shop"), .array([.string("admin"), .string("x")]), .null]),
                    "azp": pick([.string("admin"), .string("web"), .null]),
                    "groups": pick([.string("admin"), .array([.string("shop"), .string("ops")]), .bool(true)]),
                    "realm": pick([.object(["roles": .array([.string("admin")])]), .string("admin"), .null]),
                ])
            ) : nil
        return AuthorizationRequest(
            workloadNamespace: "default",
            sourcePrincipal: pick([nil, "cluster.local/ns/default/sa/web", "spiffe://cluster.local/ns/shop/sa/admin"]),
            sourceIP: pick(["10.0.0.1", "192.168.1.1", "::1", "172.16.0.1"]),
            remoteIP: pick([nil, "10.9.9.9", "8.8.8.8"]),
            destinationIP: pick([nil, "10.0.0.1", "127.0.0.1"]),
            destinationPort: pick([8080, 80]),
            host: tcp ? nil : pick(["web.default", "WEB.default:8080", "api.default", "[::1]:8080", "web.default:"]),
            method: tcp ? nil : pick(["GET", "POST", "DELETE"]),
            path: tcp ? nil : pick(["/", "/admin/x", "/img/a.png", "/a/b?x=1", "/a/b"]),
            headers: tcp ? [:] : pick([[:], ["x-token": "abc"], ["x-token": ""], ["X-Token": "zzc"]]),
            serverName: pick([nil, "web.default"]),
            requestPrincipal: jwt?.0,
            requestClaims: jwt?.1
        )
    }
}
