import MeshAPI
import MeshModel

extension Compilation {
    /// The RequestAuthentications an HTTP filter chain serving `servers` checks; nil when none applies.
    ///
    /// Selected as `httpAuthorization` selects policies: each Gateway stands for its workload (its
    /// namespace, its `spec.selector` as labels), and a RequestAuthentication in the root namespace
    /// or that namespace whose selector matches applies. A `jwksUri` rule takes the keys last
    /// fetched (`jwks`, by URI); without any yet, the provider has none and its tokens fail.
    mutating func httpRequestAuthentication(for servers: [GatewayServer]) -> Snapshot.RequestAuthentication? {
        let candidates = config.resources(of: .requestAuthentication).compactMap {
            stored -> (key: ResourceKey, spec: RequestAuthenticationSpec)? in
            guard case .requestAuthentication(let spec) = stored.resource.spec else { return nil }
            return (stored.key, spec)
        }
        guard !candidates.isEmpty else { return nil }
        let workloads = servers.map {
            Snapshot.AuthorizationWorkload(namespace: $0.gateway.namespace, labels: gatewaySelector($0.gateway))
        }
        var providers: [Snapshot.JWTProvider] = []
        for candidate in candidates {
            let applies = workloads.contains { workload in
                (candidate.key.namespace == options.rootNamespace || candidate.key.namespace == workload.namespace)
                    && (candidate.spec.selector?.matches(workload.labels) ?? true)
            }
            guard applies else { continue }
            for (index, rule) in candidate.spec.jwtRules.enumerated() {
                var keys = rule.jwks
                if keys == nil, let uri = rule.jwksUri {
                    keys = jwks[uri]
                    if keys == nil {
                        warn(
                            candidate.key, "spec.jwtRules[\(index)].jwksUri",
                            "no keys fetched from \(uri) yet; tokens of issuer \(rule.issuer) are refused until they are")
                    }
                }
                providers.append(Snapshot.JWTProvider(policy: candidate.key, index: index, rule: rule, jwks: keys))
            }
        }
        return providers.isEmpty ? nil : Snapshot.RequestAuthentication(providers: providers)
    }
}
