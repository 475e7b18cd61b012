/// What the destination node does with a connection (or request) for one of its workloads: a value,
/// never a throw. A denial carries its reason in words for the log (`STRICT PeerAuthentication
/// shop/strict: plaintext refused`, `AuthorizationPolicy shop/db rule 0 (DENY) denies …`).
public enum InboundDecision: Sendable, Hashable, CustomStringConvertible {
    case allow
    case deny(String)

    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }

    /// Why it was denied; nil when allowed.
    public var reason: String? {
        if case .deny(let reason) = self { return reason }
        return nil
    }

    public var description: String { reason.map { "deny: \($0)" } ?? "allow" }
}
