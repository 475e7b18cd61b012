import MeshAPI
import MeshModel

/// The inbound side of the mesh: for every registered instance with a node, what the node that hosts
/// it enforces when a connection arrives for it (Istio's sidecar inbound, ztunnel's destination side).
///
/// - PeerAuthentication per port, resolved by `PeerAuthenticationResolver` with Istio's precedence
///   (workload port, workload, namespace, root namespace `Options.rootNamespace`, PERMISSIVE).
/// - AuthorizationPolicy: the policies of the root namespace and of the instance's namespace whose
///   selector matches the instance's labels, chosen by the same rule as the gateway's
///   (`Compilation.applies`), carried as the gateway's `Snapshot.Authorization` so the data plane
///   compiles both with one evaluator.
/// - The port's protocol: the Service or ServiceEntry port that targets the instance port, else the
///   instance port's name (`http-web`), so the data plane knows where per-request rules apply.
extension Compilation {
    func compileInbound() -> [Snapshot.InboundWorkload] {
        let peerAuthentications = config.resources(of: .peerAuthentication).map(\.resource)
        let policies = authorizationPolicies()
        var workloads: [Snapshot.InboundWorkload] = []
        for instance in registry.instances.values.sorted(by: { $0.id < $1.id }) where !instance.node.isEmpty {
            workloads.append(inboundWorkload(instance, peerAuthentications, policies))
        }
        return workloads
    }

    private func inboundWorkload(
        _ instance: Instance,
        _ peerAuthentications: [Resource],
        _ policies: [(key: ResourceKey, spec: AuthorizationPolicySpec)]
    ) -> Snapshot.InboundWorkload {
        func mode(_ port: Int) -> EffectiveMTLS {
            PeerAuthenticationResolver.mode(
                for: instance.namespace, labels: instance.labels, port: port, policies: peerAuthentications,
                rootNamespace: options.rootNamespace)
        }
        let servicePorts = catalog.resolve(instance.service, in: instance.namespace)?.ports ?? []
        var ports: [Snapshot.InboundPort] = []
        for port in instance.ports where !ports.contains(where: { $0.number == UInt32(port.number) }) {
            let number = UInt32(port.number)
            let target =
                servicePorts.first { $0.targetPort == number }
                ?? servicePorts.first { $0.targetPort == nil && $0.number == number }
                ?? servicePorts.first { $0.name != nil && $0.name == port.name }
            let known = target.flatMap(Self.portProtocol) ?? Self.portProtocol(.init(number: number, name: port.name))
            ports.append(Snapshot.InboundPort(number: number, name: port.name, protocol: known, mtls: mode(port.number)))
        }
        // A port the instance does not declare but its workload policy names still gets that mode.
        for number in Self.portLevelPorts(instance, peerAuthentications) where !ports.contains(where: { $0.number == number }) {
            ports.append(Snapshot.InboundPort(number: number, mtls: mode(Int(number))))
        }
        let subject = Snapshot.AuthorizationWorkload(namespace: instance.namespace, labels: instance.labels)
        let applicable = policies.filter {
            Self.applies($0.spec, key: $0.key, to: subject, rootNamespace: options.rootNamespace)
        }
        .compactMap { policy -> Snapshot.AuthorizationPolicy? in
            // CUSTOM never passes validation; nothing here could evaluate it.
            let action = policy.spec.action ?? .allow
            guard action != .custom else { return nil }
            return Snapshot.AuthorizationPolicy(key: policy.key, action: action, rules: policy.spec.rules)
        }
        return Snapshot.InboundWorkload(
            instanceID: instance.id, node: instance.node, namespace: instance.namespace, service: instance.service,
            serviceAccount: instance.serviceAccount, address: instance.address, labels: instance.labels,
            mtls: mode(0), ports: ports.sorted { $0.number < $1.number },
            authorization: applicable.isEmpty ? nil : Snapshot.Authorization(workloads: [subject], policies: applicable))
    }

    /// The ports named in `portLevelMtls` by the workload policies that select the instance.
    private static func portLevelPorts(_ instance: Instance, _ peerAuthentications: [Resource]) -> [UInt32] {
        var numbers: [UInt32] = []
        for resource in peerAuthentications where resource.key.namespace == instance.namespace {
            guard case .peerAuthentication(let spec) = resource.spec, let selector = spec.selector,
                !selector.matchLabels.isEmpty, selector.matches(instance.labels)
            else { continue }
            numbers += spec.portLevelMtls.keys.compactMap { UInt32($0) }.filter { $0 > 0 }
        }
        return numbers
    }
}
