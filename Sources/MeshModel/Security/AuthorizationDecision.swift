/// The outcome of `AuthorizationEvaluator.evaluate`: a value, never a throw.
public struct AuthorizationDecision: Sendable, Hashable, Codable, CustomStringConvertible {
    public var allowed: Bool
    /// For logs and the console: which policy and rule decided, or why none did.
    public var reason: String
    /// The policy that decided; nil when the default decided.
    public var policy: ResourceKey?
    /// Index of the deciding rule in `spec.rules`.
    public var rule: Int?
    /// AUDIT policies that matched the request, in key order; they never change `allowed`.
    public var audited: [ResourceKey]

    public init(
        allowed: Bool,
        reason: String,
        policy: ResourceKey? = nil,
        rule: Int? = nil,
        audited: [ResourceKey] = []
    ) {
        self.allowed = allowed
        self.reason = reason
        self.policy = policy
        self.rule = rule
        self.audited = audited
    }

    public var description: String { reason }
}
