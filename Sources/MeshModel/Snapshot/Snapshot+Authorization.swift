extension Snapshot {
    /// The `AuthorizationPolicy` resources that apply to one HTTP filter chain, already resolved for
    /// the workload that serves it (Envoy: the `envoy.filters.http.rbac` filters of the chain's HTTP
    /// connection manager, placed before the router).
    ///
    /// Mapping to Envoy's RBAC filter (`envoy.extensions.filters.http.rbac.v3.RBAC`), as Istio builds it:
    /// - the DENY policies become one RBAC filter whose `rules` have `action: DENY`, and the ALLOW
    ///   policies a second one with `action: ALLOW` (present only when some ALLOW policy applies, so
    ///   "no ALLOW policy" allows); the DENY filter runs first;
    /// - the AUDIT policies become a third filter with `action: LOG` (Istio's audit), which never
    ///   changes the outcome — the same role as `shadow_rules`, which Envoy evaluates and reports but
    ///   does not enforce;
    /// - each rule of a policy becomes one entry of `rules.policies`, named
    ///   `ns[<namespace>]-policy[<name>]-rule[<index>]`: `from` → `principals` (`or_ids` of
    ///   `authenticated.principal_name`, `direct_remote_ip`, `remote_ip`), `to` → `permissions`
    ///   (`header` `:method`, `url_path`, `header` `:authority`, `destination_port`), `when` → more
    ///   `and_ids`/`and_rules`.
    ///
    /// A chain with no applicable policy has no `authorization` at all, as Envoy's chain would have no
    /// RBAC filter: the data plane then does no authorization work per request.
    public struct Authorization: Sendable, Hashable, Codable {
        /// The workloads the policies were resolved for: for meshbox's gateway, one per Gateway
        /// resource whose servers the chain serves (its namespace and `spec.selector`).
        public var workloads: [AuthorizationWorkload]
        /// Every applicable policy once, in resource-key order (the order reasons name them in).
        public var policies: [AuthorizationPolicy]

        public init(workloads: [AuthorizationWorkload], policies: [AuthorizationPolicy]) {
            self.workloads = workloads
            self.policies = policies
        }
    }

    /// A workload that enforces policies: its namespace and labels (matched against `selector.matchLabels`).
    public struct AuthorizationWorkload: Sendable, Hashable, Codable {
        public var namespace: String
        public var labels: [String: String]

        public init(namespace: String, labels: [String: String] = [:]) {
            self.namespace = namespace
            self.labels = labels
        }
    }

    /// One `AuthorizationPolicy` as a data plane enforces it (Envoy: its rules in the RBAC filter of its action).
    public struct AuthorizationPolicy: Sendable, Hashable, Codable {
        /// The policy resource (kind `AuthorizationPolicy`), named in decisions and logs.
        public var key: ResourceKey
        /// ALLOW, DENY or AUDIT (CUSTOM never reaches a snapshot).
        public var action: AuthorizationPolicySpec.Action
        /// Any rule matching makes the policy match; none makes it match nothing.
        public var rules: [AuthorizationPolicySpec.Rule]

        public init(key: ResourceKey, action: AuthorizationPolicySpec.Action, rules: [AuthorizationPolicySpec.Rule]) {
            self.key = key
            self.action = action
            self.rules = rules
        }
    }
}
