/// `spec` of an `AuthorizationPolicy`: which requests selected workloads allow, deny or audit.
public struct AuthorizationPolicySpec: Sendable, Hashable, Codable {
    public var selector: WorkloadSelector?
    /// A request matches the policy when it matches any rule; no rules: ALLOW matches nothing, DENY nothing.
    public var rules: [Rule]
    /// Default `ALLOW`.
    public var action: Action?

    public init(selector: WorkloadSelector? = nil, rules: [Rule] = [], action: Action? = nil) {
        self.selector = selector
        self.rules = rules
        self.action = action
    }

    public enum Action: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
        case allow = "ALLOW"
        case deny = "DENY"
        case audit = "AUDIT"
        /// Delegation to an external authorizer; rejected by validation, as meshbox has none.
        case custom = "CUSTOM"
    }
}

extension AuthorizationPolicySpec: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["provider", "targetRef", "targetRefs"] }
}
