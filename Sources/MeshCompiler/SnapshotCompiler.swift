public import MeshAPI
public import MeshModel

/// Compiles config, registry state and the ca role's material into a data-plane `Snapshot`: a pure function.
///
/// Istio semantics for gateways: one listener per Gateway server port, VirtualServices bound by
/// their `gateways` and matched by host, DestinationRule policies per cluster, endpoints from the
/// registry. For the node proxy (`Compilation+Mesh`): `virtualOutbound` and one listener per
/// service VIP and port, routed by the VirtualServices bound to the mesh (Istio's sidecar shape).
/// Problems (unknown hosts or subsets, conflicting servers) become `warnings` in the
/// snapshot; a route to an unknown destination still gets a cluster, with no endpoints (503).
///
/// ```swift
/// let snapshot = SnapshotCompiler.compile(config: config, registry: registry, version: 1, options: .init())
/// ```
public enum SnapshotCompiler {
    public static func compile(
        config: ConfigState,
        registry: RegistryState,
        version: UInt64,
        options: Options = Options(),
        ca: MeshCAMaterial? = nil,
        jwks: [String: String] = [:]
    ) -> Snapshot {
        var compilation = Compilation(config: config, registry: registry, options: options)
        compilation.ca = ca
        compilation.jwks = jwks
        compilation.compileGateways()
        compilation.compileMesh()
        let (clusters, endpoints) = compilation.compileClusters()
        return Snapshot(
            version: version,
            configRevision: config.revision,
            registryRevision: registry.revision,
            listeners: compilation.listeners.sorted { $0.name < $1.name },
            routeConfigurations: compilation.routeConfigurations.sorted { $0.name < $1.name },
            clusters: clusters,
            endpoints: endpoints,
            secrets: compilation.secrets.values.sorted { $0.name < $1.name },
            warnings: compilation.warnings,
            workloads: compilation.compileInbound()
        )
    }
}
