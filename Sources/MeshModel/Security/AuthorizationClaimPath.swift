/// The claim an AuthorizationPolicy condition key `request.auth.claims[a][b]…` names: the names
/// from the outermost object inward (Istio's nested claims), `["groups"]` for `claims[groups]`.
public struct AuthorizationClaimPath: Sendable, Hashable {
    public let names: [String]

    /// nil unless `key` is `request.auth.claims` followed by one or more non-empty `[name]`.
    public init?(key: String) {
        let prefix = "request.auth.claims"
        guard key.hasPrefix(prefix) else { return nil }
        var rest = Substring(key).dropFirst(prefix.count)
        var names: [String] = []
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return nil }
            let name = rest[rest.index(after: rest.startIndex)..<close]
            guard !name.isEmpty, !name.contains("[") else { return nil }
            names.append(String(name))
            rest = rest[rest.index(after: close)...]
        }
        guard !names.isEmpty else { return nil }
        self.names = names
    }
}
