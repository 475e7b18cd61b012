import MeshAPI
import MeshModel

extension ExplainRun {
    /// Evaluates the AuthorizationPolicy resources as the gateway workload, before routing (as
    /// Envoy's RBAC filter runs before the router). Records the decision; nil when no policy exists.
    mutating func authorize(
        listener: Snapshot.Listener,
        isHTTP: Bool,
        policies: [Resource],
        gateways: [Resource]
    ) -> AuthorizationDecision? {
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
        let decision = AuthorizationEvaluator.evaluate(authorizationRequest, policies: policies)
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
}
