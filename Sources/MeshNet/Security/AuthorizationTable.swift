public import MeshModel

/// The compiled authorization of every HTTP filter chain of a snapshot that has one, found by the
/// listener and the route configuration the connection's HTTP handler serves (the pair names the
/// chain: the compiler gives each HTTP chain its own route configuration).
///
/// Built once per snapshot with `CompiledSnapshot`. Empty when no policy applies anywhere, which
/// the request path checks first: then it does no other authorization work.
public struct AuthorizationTable: Sendable {
    private let chains: [String: [String: CompiledAuthorization]]
    /// Chains with an authorization that share their route configuration with another chain of the
    /// same listener; the first chain's authorization is enforced for both.
    public let problems: [String]

    public init(_ snapshot: Snapshot) {
        var chains: [String: [String: CompiledAuthorization]] = [:]
        var problems: [String] = []
        for listener in snapshot.listeners {
            for chain in listener.filterChains {
                guard let authorization = chain.authorization, case .http(let routes) = chain.destination else {
                    continue
                }
                if chains[listener.name]?[routes] != nil {
                    problems.append(
                        "listener \(listener.name) chain \(chain.name): route configuration \(routes) already has an authorization; the first one applies"
                    )
                    continue
                }
                chains[listener.name, default: [:]][routes] = CompiledAuthorization(authorization, chain: chain)
            }
        }
        self.chains = chains
        self.problems = problems
    }

    public static let empty = AuthorizationTable(.empty)

    public var isEmpty: Bool { chains.isEmpty }

    /// The authorization of the chain serving `routeConfiguration` on `listener`; nil: allow everything.
    public func authorization(listener: String, routeConfiguration: String) -> CompiledAuthorization? {
        guard !chains.isEmpty else { return nil }
        return chains[listener]?[routeConfiguration]
    }
}
