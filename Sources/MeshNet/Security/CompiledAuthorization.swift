public import MeshModel

/// The authorization of one HTTP filter chain, compiled once per snapshot for the hot path: the
/// chain's policies split by action, patterns and CIDRs parsed, and what the rules read
/// (`needs`) known in advance so a request only gathers those attributes.
///
/// Istio's order, as `AuthorizationEvaluator` (the reference it is tested against): any matching
/// DENY policy denies; else with no ALLOW policy the request is allowed; else a matching ALLOW
/// policy allows it; else it is denied. Matching AUDIT policies are reported, never decisive.
public final class CompiledAuthorization: Sendable {
    /// Attributes some rule reads; the others are never gathered.
    struct Needs: OptionSet, Sendable {
        let rawValue: UInt8
        static let principal = Needs(rawValue: 1 << 0)
        static let sourceIP = Needs(rawValue: 1 << 1)
        static let remoteIP = Needs(rawValue: 1 << 2)
        static let destinationIP = Needs(rawValue: 1 << 3)
        static let headers = Needs(rawValue: 1 << 4)
    }

    struct Policy: Sendable {
        let key: ResourceKey
        let rules: [CompiledAuthorizationRule]
    }

    /// The outcome for one request; `decision(_:)` turns it into words for logs.
    struct Verdict: Sendable, Equatable {
        var allowed: Bool
        /// The deciding policy (index in `policies`) and rule; nil when the default decided.
        var policy: Int?
        var rule: Int?
        /// Indices in `policies` of the AUDIT policies that matched.
        var audited: [Int] = []
    }

    /// Every policy in key order; `deny`, `allow` and `audit` index into it.
    let policies: [Policy]
    let actions: [AuthorizationPolicySpec.Action]
    private let deny: [Int]
    private let allow: [Int]
    private let audit: [Int]
    let needs: Needs
    /// The chain verifies client certificates (MUTUAL, OPTIONAL_MUTUAL): only then is a peer
    /// certificate an identity, the source of `principals` and `namespaces`.
    let verifiesClientCertificates: Bool

    /// - Parameter chain: the filter chain enforcing it, for its TLS mode.
    public init(_ authorization: Snapshot.Authorization, chain: Snapshot.FilterChain? = nil) {
        verifiesClientCertificates = chain?.tls?.mode == .mutual
        let sorted = authorization.policies.sorted { $0.key < $1.key }
        var policies: [Policy] = []
        var actions: [AuthorizationPolicySpec.Action] = []
        var deny: [Int] = []
        var allow: [Int] = []
        var audit: [Int] = []
        var needs: Needs = []
        for policy in sorted {
            let index = policies.count
            switch policy.action {
            case .deny: deny.append(index)
            case .allow: allow.append(index)
            case .audit: audit.append(index)
            case .custom: continue  // never in a snapshot; nothing here could evaluate it
            }
            policies.append(Policy(key: policy.key, rules: policy.rules.map(CompiledAuthorizationRule.init)))
            actions.append(policy.action)
            for rule in policy.rules { needs.formUnion(Self.needs(of: rule)) }
        }
        self.policies = policies
        self.actions = actions
        self.deny = deny
        self.allow = allow
        self.audit = audit
        self.needs = needs
    }

    /// Decides one request (or connection, when `request` has no HTTP attributes).
    func evaluate(_ request: AuthorizationAttributes) -> Verdict {
        var audited: [Int] = []
        for index in audit where firstMatchingRule(index, request) != nil {
            audited.append(index)
        }
        for index in deny {
            if let rule = firstMatchingRule(index, request) {
                return Verdict(allowed: false, policy: index, rule: rule, audited: audited)
            }
        }
        if allow.isEmpty { return Verdict(allowed: true, audited: audited) }
        for index in allow {
            if let rule = firstMatchingRule(index, request) {
                return Verdict(allowed: true, policy: index, rule: rule, audited: audited)
            }
        }
        return Verdict(allowed: false, audited: audited)
    }

    private func firstMatchingRule(_ index: Int, _ request: AuthorizationAttributes) -> Int? {
        let drops = actions[index] == .deny
        return policies[index].rules.firstIndex { $0.matches(request, dropsHTTPOnlyFields: drops) }
    }

    /// The verdict in `AuthorizationEvaluator`'s words (the same reasons, for logs and tests).
    func decision(_ verdict: Verdict) -> AuthorizationDecision {
        let audited = verdict.audited.map { policies[$0].key }
        if let index = verdict.policy, let rule = verdict.rule {
            let key = policies[index].key
            let words = verdict.allowed ? "allowed by ALLOW" : "denied by DENY"
            return AuthorizationDecision(
                allowed: verdict.allowed,
                reason: "\(words) policy \(key.namespace)/\(key.name) rule \(rule)",
                policy: key,
                rule: rule,
                audited: audited
            )
        }
        if verdict.allowed {
            return AuthorizationDecision(allowed: true, reason: "allowed: no ALLOW policy applies", audited: audited)
        }
        let count = allow.count
        return AuthorizationDecision(
            allowed: false,
            reason: "no ALLOW policy matched (\(count) ALLOW \(count == 1 ? "policy applies" : "policies apply"))",
            audited: audited
        )
    }

    private static func needs(of rule: AuthorizationPolicySpec.Rule) -> Needs {
        var needs: Needs = []
        for source in rule.from.compactMap(\.source) {
            if !source.principals.isEmpty || !source.notPrincipals.isEmpty || !source.namespaces.isEmpty
                || !source.notNamespaces.isEmpty
            {
                needs.insert(.principal)
            }
            if !source.ipBlocks.isEmpty || !source.notIpBlocks.isEmpty { needs.insert(.sourceIP) }
            if !source.remoteIpBlocks.isEmpty || !source.notRemoteIpBlocks.isEmpty { needs.insert(.remoteIP) }
        }
        for condition in rule.when {
            switch condition.key {
            case "source.principal", "source.namespace": needs.insert(.principal)
            case "source.ip": needs.insert(.sourceIP)
            case "remote.ip": needs.insert(.remoteIP)
            case "destination.ip": needs.insert(.destinationIP)
            default: if condition.key.hasPrefix("request.headers[") { needs.insert(.headers) }
            }
        }
        return needs
    }
}
