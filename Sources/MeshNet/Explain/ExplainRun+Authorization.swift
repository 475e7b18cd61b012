import MeshAPI
import MeshModel
import NIOHTTP1

extension ExplainRun {
    /// The authorization decision, before routing (as Envoy's RBAC filter runs before the
    /// router). For an HTTP chain that carries policies in the snapshot this is the gateway's own
    /// enforcement: `CompiledAuthorization` on the attributes the data plane reads (normalised
    /// path, principal only on MUTUAL chains). Otherwise (no policy on the chain, a workload given
    /// in the request — "what if this gateway were…" — or a TCP chain), `AuthorizationEvaluator`
    /// runs over the policy resources, which for a compiled snapshot gives the same answer.
    mutating func authorize(
        listener: Snapshot.Listener,
        chain: Snapshot.FilterChain,
        policies: [Resource],
        gateways: [Resource]
    ) -> AuthorizationDecision? {
        let isHTTP = chain.destination.isHTTP
        if case .http(let routeConfiguration) = chain.destination, request.workloadNamespace == nil,
            request.workloadLabels == nil,
            let authorization = AuthorizationTable(snapshot).authorization(
                listener: listener.name, routeConfiguration: routeConfiguration)
        {
            return enforced(authorization, listener: listener, gateways: gateways)
        }
        let policies = policies.filter { $0.kind == .authorizationPolicy }
        let workload: GatewayWorkload
        if request.workloadNamespace != nil || request.workloadLabels != nil {
            let found = GatewayWorkload.resolve(host: request.host, port: listener.port, gateways: gateways)
            workload = GatewayWorkload(
                namespace: request.workloadNamespace ?? found?.namespace ?? ObjectMeta.defaultNamespace,
                labels: request.workloadLabels ?? found?.labels ?? [:],
                source: "given in the request"
            )
        } else if let found = GatewayWorkload.resolve(host: request.host, port: listener.port, gateways: gateways) {
            workload = found
        } else {
            workload = GatewayWorkload(
                namespace: ObjectMeta.defaultNamespace,
                labels: [:],
                source: "no Gateway resource serves \(request.host); the default namespace without labels"
            )
        }
        var headers: [String: String] = [:]
        for header in request.headers where headers[header.name.lowercased()] == nil {
            headers[header.name.lowercased()] = header.value
        }
        let authorizationRequest = AuthorizationRequest(
            workloadNamespace: workload.namespace,
            workloadLabels: workload.labels,
            sourcePrincipal: request.sourcePrincipal,
            sourceIP: request.sourceIP,
            destinationIP: nil,
            destinationPort: Int(listener.port),
            host: isHTTP ? request.host : nil,
            method: isHTTP ? request.method : nil,
            path: isHTTP ? request.path : nil,
            headers: isHTTP ? headers : [:],
            serverName: serverName
        )
        let decision = AuthorizationEvaluator.evaluate(authorizationRequest, policies: policies, rootNamespace: rootNamespace)
        answer.authorization = Explanation.Authorization(
            decision: decision,
            workloadNamespace: workload.namespace,
            workloadLabels: workload.labels,
            identity: workload.source,
            policiesConsidered: policies.count
        )
        step("authorization", decision.allowed, "Authorization as \(workload.source): \(decision.reason).")
        return decision
    }

    /// What the gateway enforces on this chain, by the data plane's code.
    private mutating func enforced(
        _ authorization: CompiledAuthorization, listener: Snapshot.Listener, gateways: [Resource]
    ) -> AuthorizationDecision? {
        let workload =
            GatewayWorkload.resolve(host: request.host, port: listener.port, gateways: gateways)
            ?? GatewayWorkload(namespace: ObjectMeta.defaultNamespace, labels: [:], source: "the gateway")
        var attributes = AuthorizationAttributes()
        attributes.method = request.method
        let path = request.path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        attributes.path = AuthorizationPath.normalized(path)
        attributes.host = request.host
        attributes.destinationPort = Int(listener.port)
        var headers = HTTPHeaders()
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        attributes.headers = headers
        attributes.sourceIP = AuthorizationIPBlock.address(request.sourceIP)
        attributes.remoteIP = attributes.sourceIP
        var notes: [String] = []
        if authorization.verifiesClientCertificates {
            attributes.setPrincipal(request.sourcePrincipal)
        } else if request.sourcePrincipal != nil {
            notes.append("the source principal is ignored: this chain does not verify client certificates")
        }
        let decision = authorization.decision(authorization.evaluate(attributes))
        answer.authorization = Explanation.Authorization(
            decision: decision,
            workloadNamespace: workload.namespace,
            workloadLabels: workload.labels,
            identity: "the policies the gateway enforces on this chain (workload \(workload.source))",
            policiesConsidered: authorization.policies.count
        )
        let suffix = notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
        step("authorization", decision.allowed, "As the gateway enforces it: \(decision.reason)\(suffix).")
        return decision
    }
}
