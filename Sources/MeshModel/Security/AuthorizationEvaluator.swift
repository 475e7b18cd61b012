/// Decides whether a request is allowed by the `AuthorizationPolicy` resources that apply to the
/// workload enforcing them, with Istio's semantics.
///
/// - Applicable policies: those in the root namespace (mesh-wide) and in the workload's namespace whose
///   `selector.matchLabels` match the workload's labels (no selector: every workload there).
/// - Order: any matching DENY policy denies; else, with no ALLOW policy, the request is allowed; else a
///   matching ALLOW policy allows it; else it is denied. AUDIT policies that match are listed in
///   `audited` and never change the outcome. CUSTOM is rejected by validation and ignored here.
/// - A policy matches when any of its rules does; a policy without rules matches nothing (for ALLOW
///   this is "allow nothing"); a rule `{}` matches everything.
/// - TCP (no HTTP attributes): an HTTP-only field (`hosts`, `methods`, `paths`, their `not…`,
///   `request.headers[…]`) makes an ALLOW or AUDIT rule fail to match, and is dropped from a DENY
///   rule so the rule denies more, as Istio does.
public enum AuthorizationEvaluator {
    public static func evaluate(
        _ request: AuthorizationRequest,
        policies: [Resource],
        rootNamespace: String = ObjectMeta.defaultRootNamespace
    ) -> AuthorizationDecision {
        let applicable = applicablePolicies(for: request, in: policies, rootNamespace: rootNamespace)
        let audited = applicable.filter { $0.spec.action == .audit && firstMatchingRule($0.spec, request) != nil }
            .map(\.key)

        for policy in applicable where policy.spec.action == .deny {
            if let rule = firstMatchingRule(policy.spec, request) {
                return AuthorizationDecision(
                    allowed: false,
                    reason: "denied by DENY policy \(policy.key.namespace)/\(policy.key.name) rule \(rule)",
                    policy: policy.key,
                    rule: rule,
                    audited: audited
                )
            }
        }
        let allowPolicies = applicable.filter { ($0.spec.action ?? .allow) == .allow }
        if allowPolicies.isEmpty {
            return AuthorizationDecision(allowed: true, reason: "allowed: no ALLOW policy applies", audited: audited)
        }
        for policy in allowPolicies {
            if let rule = firstMatchingRule(policy.spec, request) {
                return AuthorizationDecision(
                    allowed: true,
                    reason: "allowed by ALLOW policy \(policy.key.namespace)/\(policy.key.name) rule \(rule)",
                    policy: policy.key,
                    rule: rule,
                    audited: audited
                )
            }
        }
        let count = allowPolicies.count
        return AuthorizationDecision(
            allowed: false,
            reason: "no ALLOW policy matched (\(count) ALLOW \(count == 1 ? "policy applies" : "policies apply"))",
            audited: audited
        )
    }

    struct ApplicablePolicy {
        var key: ResourceKey
        var spec: AuthorizationPolicySpec
    }

    /// The AuthorizationPolicy resources that apply to the request's workload, in key order.
    static func applicablePolicies(
        for request: AuthorizationRequest,
        in policies: [Resource],
        rootNamespace: String
    ) -> [ApplicablePolicy] {
        policies.compactMap { resource -> ApplicablePolicy? in
            guard case .authorizationPolicy(let spec) = resource.spec else { return nil }
            let namespace = resource.metadata.namespace
            guard namespace == rootNamespace || namespace == request.workloadNamespace else { return nil }
            guard spec.selector?.matches(request.workloadLabels) ?? true else { return nil }
            return ApplicablePolicy(key: resource.key, spec: spec)
        }
        .sorted { $0.key < $1.key }
    }

    /// Index of the first rule of `spec` that matches, or nil.
    static func firstMatchingRule(_ spec: AuthorizationPolicySpec, _ request: AuthorizationRequest) -> Int? {
        let matcher = RuleMatcher(request: request, dropsHTTPOnlyFields: spec.action == .deny)
        return spec.rules.indices.first { matcher.matches(spec.rules[$0]) }
    }
}
