public import MeshModel

/// Picks a listener's filter chain for a connection's SNI, by Envoy's `server_names` rules.
///
/// Envoy (and so Istio's gateway) tries, in order: a chain naming the server exactly, then the chain
/// with the longest matching `*.suffix` wildcard, then a chain without server names. Names compare
/// case-insensitively (DNS), and a trailing dot is ignored. A wildcard covers one or more labels
/// (`*.example.com` takes `a.b.example.com`, not `example.com`), as Envoy's suffix match does.
public enum FilterChainSelector {
    /// The index of the chain for `serverName` (nil: the client sent no SNI), or nil when no chain
    /// takes the connection, which is then closed.
    public static func select(serverName: String?, chains: [Snapshot.FilterChain]) -> Int? {
        if let name = serverName.map(normalize), !name.isEmpty {
            if let exact = chains.firstIndex(where: { $0.serverNames.contains { normalize($0) == name } }) {
                return exact
            }
            var best: (index: Int, length: Int)?
            for (index, chain) in chains.enumerated() {
                for pattern in chain.serverNames {
                    let pattern = normalize(pattern)
                    guard pattern.hasPrefix("*."), name.count > pattern.count - 1 else { continue }
                    let suffix = pattern.dropFirst()  // ".example.com"
                    if name.hasSuffix(suffix), best.map({ suffix.count > $0.length }) ?? true {
                        best = (index, suffix.count)
                    }
                }
            }
            if let best { return best.index }
        }
        return chains.firstIndex { $0.serverNames.isEmpty }
    }

    private static func normalize(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }
}
