import MeshAPI
import MeshModel
import NIOHTTP1

extension ExplainRun {
    /// What the matched route does, in the order the proxy does it: fault, then the action.
    mutating func act(_ route: CompiledRoute, facts: RequestFacts) {
        if let fault = route.route.fault {
            if let delay = fault.delay, delay.percentage > 0 {
                step("fault", true, "Fault: \(delay.percentage)% of requests are delayed by \(delay.duration).")
            }
            if let abort = fault.abort, abort.percentage > 0 {
                if abort.percentage >= 100 {
                    step("fault", false, "Fault: every request is aborted with \(abort.httpStatus).")
                    return finish(
                        .directResponse,
                        status: Int(abort.httpStatus),
                        "\(abort.httpStatus) (FI): the route's fault injection aborts every request."
                    )
                }
                step("fault", true, "Fault: \(abort.percentage)% of requests are aborted with \(abort.httpStatus).")
            }
        }
        switch route.route.action {
        case .redirect(let redirect):
            let location = route.redirectLocation(facts)
            answer.location = location
            step("action", true, "Redirect \(redirect.responseCode) to \(location).")
            finish(.redirected, status: Int(redirect.responseCode), "\(redirect.responseCode) redirect to \(location).")
        case .directResponse(let direct):
            step("action", true, "Direct response \(direct.status) from \(dataPlaneName).")
            finish(
                .directResponse,
                status: Int(direct.status),
                "\(direct.status) answered by \(dataPlaneName) itself (directResponse)."
            )
        case .route:
            forward(route, facts: facts)
        }
    }

    private mutating func forward(_ route: CompiledRoute, facts: RequestFacts) {
        if let cors = route.cors, cors.evaluate(facts).action == .answerPreflight {
            step("action", true, "A CORS preflight from an allowed origin: answered by \(dataPlaneName).")
            return finish(
                .corsPreflight,
                status: Int(CorsDecision.preflightStatus.code),
                "CORS preflight answered by \(dataPlaneName)."
            )
        }
        answer.upstreamRequest = Explanation.UpstreamRequest(
            path: route.rewrittenPath(facts) ?? String(facts.pathAndQuery),
            authority: route.hostRewrite ?? request.host
        )
        // The proxy draws among the clusters with a weight (CompiledRoute.clusters); none is a 503.
        guard !route.clusters.isEmpty else {
            step("destination", false, "The route has no cluster with a weight above 0.")
            return finish(.noCluster, status: 503, "503 (NC): the route has no cluster to send to.")
        }
        let names = WeightedClusterSummary.shares(route.clusters).map { "\($0.cluster) (\(Self.percent($0.share)))" }
        step("action", true, "Forward to \(names.joined(separator: ", ")).")
        let destinations = describeDestinations(route.clusters)
        let missing = destinations.filter { !$0.exists }
        let empty = destinations.filter { $0.exists && $0.healthyEndpoints == 0 }
        let working = destinations.filter { $0.exists && $0.healthyEndpoints > 0 }
        if working.isEmpty {
            if missing.count == destinations.count {
                return finish(
                    .noCluster,
                    status: 503,
                    "503 (NC): cluster \(missing[0].split.cluster) is not in the snapshot."
                )
            }
            let cluster = (empty.first ?? destinations[0]).split.cluster
            return finish(.noHealthyEndpoint, status: 503, "503 (UH): no healthy endpoint in \(cluster).")
        }
        var summary = "Forwarded to " + working.map(Self.describe).joined(separator: "; ")
        let failing = missing.count + empty.count
        if failing > 0 {
            let share = (missing + empty).reduce(0) { $0 + $1.split.share }
            summary += "; \(Self.percent(share)) of requests get 503 (no healthy endpoint)"
        }
        finish(.forwarded, status: nil, summary + ".")
    }

    static func describe(_ destination: Explanation.Destination) -> String {
        let split = destination.split
        let target = [split.serviceHost, split.subset.map { "subset \($0)" }].compactMap { $0 }.joined(separator: " ")
        let name = target.isEmpty ? split.cluster : target
        let share = split.share < 100 ? " (\(percent(split.share)))" : ""
        return "\(name)\(share), \(destination.healthyEndpoints) of \(destination.endpoints.count) endpoints healthy"
    }

    static func percent(_ share: Double) -> String {
        share == share.rounded() ? "\(Int(share))%" : "\((share * 10).rounded() / 10)%"
    }

    /// Each cluster with its share, its balancing and every endpoint the snapshot lists for it.
    mutating func describeDestinations(_ clusters: [Snapshot.WeightedCluster]) -> [Explanation.Destination] {
        let destinations = WeightedClusterSummary.shares(clusters).map { split -> Explanation.Destination in
            guard let cluster = snapshot.cluster(named: split.cluster) else {
                return Explanation.Destination(split: split, exists: false, loadBalancer: nil, endpoints: [])
            }
            let endpoints = snapshot.loadAssignment(forCluster: split.cluster)?.endpoints ?? []
            return Explanation.Destination(
                split: split,
                exists: true,
                loadBalancer: Self.name(cluster.lbPolicy),
                endpoints: endpoints.map(Explanation.Endpoint.init)
            )
        }
        for destination in destinations {
            let cluster = destination.split.cluster
            if !destination.exists {
                step("destination", false, "Cluster \(cluster) is not in the snapshot.")
            } else {
                let unhealthy = destination.endpoints.count - destination.healthyEndpoints
                var text = "Cluster \(cluster): \(destination.healthyEndpoints) healthy endpoint(s)"
                if unhealthy > 0 { text += ", \(unhealthy) unhealthy (no traffic)" }
                text += ", balanced \(destination.loadBalancer ?? "ROUND_ROBIN")."
                step("destination", destination.healthyEndpoints > 0, text)
            }
        }
        answer.destinations = destinations
        return destinations
    }

    static func name(_ policy: Snapshot.LoadBalancingPolicy) -> String {
        switch policy {
        case .roundRobin: "ROUND_ROBIN"
        case .leastRequest: "LEAST_REQUEST"
        case .random: "RANDOM"
        case .ringHash: "RING_HASH"
        case .maglev: "MAGLEV"
        }
    }
}
