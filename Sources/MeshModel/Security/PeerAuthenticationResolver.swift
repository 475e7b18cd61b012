/// Resolves the mutual-TLS mode of a workload port from `PeerAuthentication` resources, with Istio's precedence:
///
/// 1. the workload policy (selector matching the workload's labels, in the workload's namespace):
///    its `portLevelMtls` entry for the port, then its `mtls`;
/// 2. the namespace policy (workload's namespace, no selector);
/// 3. the mesh policy (root namespace, no selector);
/// 4. PERMISSIVE.
///
/// A level that is absent or `UNSET` inherits from the next one. When several policies compete at one
/// level Istio takes the oldest; meshbox keeps no creation time, so it takes the first by name and
/// reports that choice in `source`.
public enum PeerAuthenticationResolver {
    public static func mode(
        for workloadNamespace: String,
        labels: [String: String],
        port: Int,
        policies: [Resource],
        rootNamespace: String = ObjectMeta.defaultRootNamespace
    ) -> EffectiveMTLS {
        let all = policies.compactMap { resource -> (key: ResourceKey, spec: PeerAuthenticationSpec)? in
            guard case .peerAuthentication(let spec) = resource.spec else { return nil }
            return (resource.key, spec)
        }
        .sorted { $0.key < $1.key }

        func isWide(_ spec: PeerAuthenticationSpec) -> Bool { spec.selector?.matchLabels.isEmpty ?? true }

        let workload = all.first {
            $0.key.namespace == workloadNamespace && !isWide($0.spec) && $0.spec.selector!.matches(labels)
        }
        let namespace = all.first { $0.key.namespace == workloadNamespace && isWide($0.spec) }
        let mesh = all.first { $0.key.namespace == rootNamespace && isWide($0.spec) }

        var levels: [(key: ResourceKey, mode: PeerAuthenticationSpec.Mode?, detail: String)] = []
        if let workload {
            let portMode = workload.spec.portLevelMtls[String(port)]?.mode
            levels.append((workload.key, portMode, " port \(port)"))
            levels.append((workload.key, workload.spec.mtls?.mode, ""))
        }
        if let namespace { levels.append((namespace.key, namespace.spec.mtls?.mode, "")) }
        if let mesh { levels.append((mesh.key, mesh.spec.mtls?.mode, "")) }

        for level in levels {
            let mode: EffectiveMTLS.Mode
            switch level.mode {
            case .strict?: mode = .strict
            case .permissive?: mode = .permissive
            case .disable?: mode = .disable
            case .unset?, nil: continue
            }
            let source = "PeerAuthentication \(level.key.namespace)/\(level.key.name)\(level.detail)"
            return EffectiveMTLS(mode: mode, source: source, policy: level.key)
        }
        return .default
    }
}
