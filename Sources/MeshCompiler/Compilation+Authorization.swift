import MeshAPI
import MeshModel

extension Compilation {
    /// The policies an HTTP filter chain serving `servers` enforces; nil when none applies.
    ///
    /// The gateway has no pod, so each Gateway resource stands for its workload: its namespace, and
    /// its `spec.selector` as the workload's labels. A policy applies when it is in the root namespace
    /// or that namespace, and its `selector.matchLabels` (if any) match those labels, as Istio decides
    /// for a gateway pod. A port shared by Gateways of different workloads enforces the policies of
    /// all of them (they are one workload in meshbox's process), with a warning.
    mutating func httpAuthorization(for servers: [GatewayServer], port: UInt32) -> Snapshot.Authorization? {
        let candidates = authorizationPolicies()
        guard !candidates.isEmpty else { return nil }
        var workloads: [Snapshot.AuthorizationWorkload] = []
        var gateways: [ResourceKey] = []
        for server in servers {
            let workload = Snapshot.AuthorizationWorkload(
                namespace: server.gateway.namespace,
                labels: gatewaySelector(server.gateway)
            )
            if !workloads.contains(workload) {
                workloads.append(workload)
                gateways.append(server.gateway)
            }
        }
        var chosen: Set<ResourceKey> = []
        var sets: [Set<ResourceKey>] = []
        for workload in workloads {
            let applicable = Set(candidates.filter { Self.applies($0.spec, key: $0.key, to: workload, rootNamespace: options.rootNamespace) }.map(\.key))
            sets.append(applicable)
            chosen.formUnion(applicable)
        }
        guard !chosen.isEmpty else { return nil }
        if Set(sets).count > 1 {
            let names = gateways.map { "\($0.namespace)/\($0.name)" }.joined(separator: ", ")
            warn(
                gateways[0],
                "spec.servers",
                "port \(port) is shared by Gateways of different workloads (\(names)); the AuthorizationPolicies of all of them apply to every request on it"
            )
        }
        var policies: [Snapshot.AuthorizationPolicy] = []
        for candidate in candidates where chosen.contains(candidate.key) {
            guard let action = enforcedAction(candidate) else { continue }
            policies.append(
                Snapshot.AuthorizationPolicy(key: candidate.key, action: action, rules: candidate.spec.rules)
            )
        }
        return policies.isEmpty ? nil : Snapshot.Authorization(workloads: workloads, policies: policies)
    }

    /// Whether a policy applies to a workload: the root namespace (`Options.rootNamespace`) or the
    /// workload's, and a matching selector.
    static func applies(
        _ spec: AuthorizationPolicySpec,
        key: ResourceKey,
        to workload: Snapshot.AuthorizationWorkload,
        rootNamespace: String
    ) -> Bool {
        guard key.namespace == rootNamespace || key.namespace == workload.namespace else { return false }
        return spec.selector?.matches(workload.labels) ?? true
    }

    /// Every AuthorizationPolicy in the config, in key order.
    func authorizationPolicies() -> [(key: ResourceKey, spec: AuthorizationPolicySpec)] {
        config.resources(of: .authorizationPolicy).compactMap { stored in
            guard case .authorizationPolicy(let spec) = stored.resource.spec else { return nil }
            return (stored.key, spec)
        }
    }

    /// The Gateway's `spec.selector`: the labels its workload stands for.
    func gatewaySelector(_ key: ResourceKey) -> [String: String] {
        guard case .gateway(let spec)? = config.resources[key]?.resource.spec else { return [:] }
        return spec.selector
    }

    /// The action the data plane enforces, with warnings for what it cannot evaluate; nil to skip.
    private mutating func enforcedAction(
        _ policy: (key: ResourceKey, spec: AuthorizationPolicySpec)
    ) -> AuthorizationPolicySpec.Action? {
        let action = policy.spec.action ?? .allow
        if action == .custom {
            warn(policy.key, "spec.action", "CUSTOM needs an external authorization provider; the policy is ignored")
            return nil
        }
        for (ruleIndex, rule) in policy.spec.rules.enumerated() {
            for (index, condition) in rule.when.enumerated() where condition.key == "connection.sni" {
                warn(
                    policy.key,
                    "spec.rules[\(ruleIndex)].when[\(index)].key",
                    "connection.sni is not known to the gateway's HTTP authorization; the condition never matches"
                )
            }
        }
        return action
    }
}
