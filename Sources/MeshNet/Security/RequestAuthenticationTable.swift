public import MeshModel

/// The compiled RequestAuthentication of every HTTP filter chain of a snapshot that has one, found
/// as `AuthorizationTable` finds authorizations: by listener and route configuration.
///
/// Made by `prepare` before the snapshot is installed (jwt-kit makes its signers in an actor, so
/// this is the one `await`), then read synchronously on every event loop. Empty when no
/// RequestAuthentication applies anywhere: the request path checks that first and does nothing else.
public struct RequestAuthenticationTable: Sendable {
    private let chains: [String: [String: CompiledRequestAuthentication]]
    /// Key sets that do not load (or load only in part), by provider, for the snapshot's problems.
    public let problems: [String]
    /// Every key set made, by its JSON: the next snapshot reuses them (most snapshots change
    /// endpoints, not keys).
    private let keySets: [String: JWTKeySet]

    public static let empty = RequestAuthenticationTable(chains: [:], problems: [], keySets: [:])

    private init(
        chains: [String: [String: CompiledRequestAuthentication]], problems: [String], keySets: [String: JWTKeySet]
    ) {
        self.chains = chains
        self.problems = problems
        self.keySets = keySets
    }

    public var isEmpty: Bool { chains.isEmpty }

    func authentication(listener: String, routeConfiguration: String) -> CompiledRequestAuthentication? {
        guard !chains.isEmpty else { return nil }
        return chains[listener]?[routeConfiguration]
    }

    /// Every chain's providers with their keys made; each distinct key set is made once, and one
    /// `previous` made already is reused.
    public static func prepare(_ snapshot: Snapshot, reusing previous: RequestAuthenticationTable = .empty) async
        -> RequestAuthenticationTable
    {
        var chains: [String: [String: CompiledRequestAuthentication]] = [:]
        var problems: [String] = []
        var keySets: [String: JWTKeySet] = [:]
        var reported: Set<String> = []
        for listener in snapshot.listeners {
            for chain in listener.filterChains {
                guard let authentication = chain.requestAuthentication, case .http(let routes) = chain.destination,
                    chains[listener.name]?[routes] == nil
                else { continue }
                var providers: [CompiledRequestAuthentication.Provider] = []
                for provider in authentication.providers {
                    var keys: JWTKeySet?
                    if let jwks = provider.jwks {
                        var made = keySets[jwks] ?? previous.keySets[jwks]
                        if made == nil { made = await JWTKeySet.prepare(jwks) }
                        keySets[jwks] = made
                        keys = made
                        if let made, reported.insert(jwks).inserted {
                            let owner = "\(provider.policy.namespace)/\(provider.policy.name) jwtRules[\(provider.rule)]"
                            problems += made.problems.map { "RequestAuthentication \(owner) jwks: \($0)" }
                        }
                    }
                    providers.append(
                        CompiledRequestAuthentication.Provider(
                            policy: provider.policy, rule: provider.rule, issuer: provider.issuer,
                            audiences: provider.audiences, keys: keys,
                            locations: CompiledRequestAuthentication.locations(of: provider),
                            forwardOriginalToken: provider.forwardOriginalToken,
                            outputPayloadToHeader: provider.outputPayloadToHeader,
                            outputClaimToHeaders: provider.outputClaimToHeaders))
                }
                chains[listener.name, default: [:]][routes] = CompiledRequestAuthentication(providers: providers)
            }
        }
        return RequestAuthenticationTable(chains: chains, problems: problems, keySets: keySets)
    }
}
