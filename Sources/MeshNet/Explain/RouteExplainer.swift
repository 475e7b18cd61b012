public import MeshAPI
public import MeshModel
import NIOHTTP1

/// Explains what the data plane would do with a request, with the data plane's own code: the
/// listener's filter chain picked by `FilterChainSelector`, the virtual host and route by
/// `RouteTable.match` over `RequestFacts`, redirects, rewrites and CORS by `CompiledRoute`, and
/// the authorization decision by the chain's `CompiledAuthorization`, as the gateway enforces it. Pure: nothing is sent, nothing is
/// drawn at random (a weighted split lists every cluster with its share).
///
/// ```swift
/// let answer = RouteExplainer.explain(ExplainRequest(listenerPort: 8080, host: "shop.example.com", path: "/cart"),
///                                     in: snapshot, policies: policies, gateways: gateways)
/// answer.route?.summary.name   // "default/shop/0"
/// ```
public struct RouteExplainer: RequestExplainer {
    /// Where mesh-wide AuthorizationPolicies live (`mesh.rootNamespace`), as the compiler was told.
    public let rootNamespace: String

    public init(rootNamespace: String = ObjectMeta.defaultRootNamespace) {
        self.rootNamespace = rootNamespace
    }

    public func explain(
        _ request: ExplainRequest,
        in snapshot: Snapshot,
        policies: [Resource],
        gateways: [Resource]
    ) -> Explanation {
        Self.explain(request, in: snapshot, policies: policies, gateways: gateways, rootNamespace: rootNamespace)
    }

    public static func explain(
        _ request: ExplainRequest,
        in snapshot: Snapshot,
        policies: [Resource] = [],
        gateways: [Resource] = [],
        rootNamespace: String = ObjectMeta.defaultRootNamespace
    ) -> Explanation {
        var run = ExplainRun(request: request, snapshot: snapshot, rootNamespace: rootNamespace)
        run.explain(policies: policies, gateways: gateways)
        return run.answer
    }
}

/// One explanation being worked out, step by step, in the data plane's order.
struct ExplainRun {
    let request: ExplainRequest
    let snapshot: Snapshot
    let rootNamespace: String
    var answer: Explanation

    init(request: ExplainRequest, snapshot: Snapshot, rootNamespace: String = ObjectMeta.defaultRootNamespace) {
        self.request = request
        self.snapshot = snapshot
        self.rootNamespace = rootNamespace
        answer = Explanation(snapshotVersion: snapshot.version, verdict: .noListener, summary: "")
    }

    mutating func step(_ stage: String, _ passed: Bool, _ text: String) {
        answer.steps.append(Explanation.Step(stage: stage, passed: passed, text: text))
    }

    mutating func finish(_ verdict: Explanation.Verdict, status: Int?, _ summary: String) {
        answer.verdict = verdict
        answer.status = status
        answer.summary = summary
    }

    mutating func explain(policies: [Resource], gateways: [Resource]) {
        guard let listener = findListener() else { return }
        answer.listener = ListenerSummary(listener)
        guard let chain = findChain(listener) else { return }
        answer.filterChain = FilterChainSummary(chain)
        let scheme = chain.tls == nil ? "http" : "https"
        let authorization =
            listener.role == .proxy && chain.authorization == nil
            ? unauthorizedOutbound()
            : authorize(listener: listener, chain: chain, policies: policies, gateways: gateways)
        switch chain.destination {
        case .tcp(let clusters):
            let destinations = describeDestinations(
                clusters.filter { $0.weight > 0 }.isEmpty ? Array(clusters.prefix(1)) : clusters
            )
            if let authorization, !authorization.allowed { return deny(authorization) }
            let healthy = destinations.contains { $0.healthyEndpoints > 0 }
            finish(
                .tcpProxied,
                status: nil,
                healthy
                    ? "The connection is relayed as TCP to \(destinations.map(\.split.cluster).joined(separator: " or "))."
                    : "The connection is closed: no healthy endpoint in \(destinations.map(\.split.cluster).joined(separator: ", "))."
            )
        case .http(let routeConfigurationName):
            answer.routeConfiguration = routeConfigurationName
            if let authorization, !authorization.allowed { return deny(authorization) }
            routeHTTP(routeConfigurationName, listener: listener, scheme: scheme)
        }
    }

    private mutating func deny(_ decision: AuthorizationDecision) {
        finish(.denied, status: 403, "403 Forbidden: \(decision.reason).")
    }

    // MARK: Listener and filter chain

    private mutating func findListener() -> Snapshot.Listener? {
        let found: Snapshot.Listener?
        // Only listeners that own a socket take a client's connection; the proxy's per-VIP
        // listeners get theirs from capture (`mesh`).
        let bound = snapshot.listeners.filter(\.bindToPort)
        if request.mesh, request.listenerName == nil {
            found = findMeshListener()
        } else if let name = request.listenerName {
            found = snapshot.listener(named: name)
            if found == nil { step("listener", false, "No listener is named \(name).") }
        } else if let port = request.listenerPort {
            found = bound.first { Int($0.port) == port }
            if found == nil { step("listener", false, "No listener on port \(port).") }
        } else {
            let serving = bound.filter { $0.protocol == .http || $0.protocol == .https }
            found = serving.first { servesHost($0) } ?? (serving.count == 1 ? serving.first : nil)
            if found == nil {
                step("listener", false, "No HTTP listener serves host \(request.host); name a listener port.")
            }
        }
        guard let listener = found else {
            if request.mesh { return nil }
            let ports = bound.map { "\($0.port) (\($0.protocol.rawValue))" }
            finish(
                .noListener,
                status: nil,
                ports.isEmpty
                    ? "The data plane has no listener: no Gateway server is served."
                    : "Nothing listens there; the listeners are on \(ports.joined(separator: ", "))."
            )
            return nil
        }
        step(
            "listener",
            true,
            "Listener \(listener.name) (\(listener.protocol.rawValue)) on \(listener.address):\(listener.port)."
        )
        return listener
    }

    /// Whether one of the listener's route configurations has a virtual host for the request's host.
    private func servesHost(_ listener: Snapshot.Listener) -> Bool {
        listener.filterChains.contains { chain in
            guard case .http(let name) = chain.destination, let configuration = snapshot.routeConfiguration(named: name)
            else { return false }
            return RouteTable(configuration).virtualHost(for: request.host) != nil
        }
    }

    private mutating func findChain(_ listener: Snapshot.Listener) -> Snapshot.FilterChain? {
        switch listener.protocol {
        case .http, .tcp:
            // As ListenerPipeline: plain listeners take their chain without SNI.
            let chain = listener.filterChains.first { $0.serverNames.isEmpty } ?? listener.filterChains.first
            if let chain {
                step("filter chain", true, "Chain \(chain.name) (plain \(listener.protocol == .tcp ? "TCP" : "HTTP")).")
            } else {
                step("filter chain", false, "The listener has no filter chain; connections are closed.")
                finish(
                    .noFilterChain,
                    status: nil,
                    "Connections to \(listener.name) are closed: it has no filter chain."
                )
            }
            return chain
        case .https, .tls, .tlsPassthrough:
            let serverName = self.serverName
            guard let index = FilterChainSelector.select(serverName: serverName, chains: listener.filterChains) else {
                let sni = serverName.map { "SNI \($0)" } ?? "no SNI"
                step("filter chain", false, "No filter chain takes \(sni); the TLS connection is closed.")
                finish(
                    .noFilterChain,
                    status: nil,
                    "The TLS connection is closed: no filter chain of \(listener.name) takes \(sni)."
                )
                return nil
            }
            let chain = listener.filterChains[index]
            var text = "Chain \(chain.name) takes SNI \(serverName ?? "(none)")"
            if let tls = chain.tls {
                text += "; TLS terminated (\(tls.mode.rawValue)) with certificate \(tls.certificateSecretName)"
            } else {
                text += "; TLS passed through"
            }
            step("filter chain", true, text + ".")
            return chain
        }
    }

    /// The SNI a client sends: as given, else the host without port; none for an IP address.
    var serverName: String? {
        if let name = request.serverName { return name }
        let host = String(AuthorityParts(request.host.lowercased()).host)
        if host.hasPrefix("[") || host.isEmpty || host.allSatisfy({ $0.isNumber || $0 == "." }) { return nil }
        return host
    }

    // MARK: HTTP routing

    /// The request as the engine sees it: the same `RequestFacts` the proxy builds per request.
    func facts(scheme: String, listener: Snapshot.Listener) -> RequestFacts {
        var headers = HTTPHeaders()
        if !request.host.isEmpty { headers.add(name: "host", value: request.host) }
        for header in request.headers where header.name.lowercased() != "host" {
            headers.add(name: header.name, value: header.value)
        }
        let uri = request.path.hasPrefix("/") || request.path.contains("://") ? request.path : "/" + request.path
        let head = HTTPRequestHead(
            version: .http1_1,
            method: HTTPMethod(rawValue: request.method),
            uri: uri,
            headers: headers
        )
        return RequestFacts(
            head: head,
            scheme: scheme,
            listenerPort: Int(listener.port),
            sourceAddress: request.sourceIP
        )
    }

    private mutating func routeHTTP(_ routeConfigurationName: String, listener: Snapshot.Listener, scheme: String) {
        guard let configuration = snapshot.routeConfiguration(named: routeConfigurationName) else {
            step("virtual host", false, "Route configuration \(routeConfigurationName) is missing from the snapshot.")
            return finish(
                .noVirtualHost,
                status: 404,
                "404 Not Found (NR): the route configuration \(routeConfigurationName) is missing."
            )
        }
        let table = RouteTable(configuration)
        let facts = facts(scheme: scheme, listener: listener)
        switch table.match(facts) {
        case .noVirtualHost:
            let hosts = configuration.virtualHosts.flatMap(\.domains)
            let known =
                hosts.isEmpty
                ? "it has none" : "it has " + hosts.prefix(12).joined(separator: ", ") + (hosts.count > 12 ? ", …" : "")
            step(
                "virtual host",
                false,
                "No virtual host for host \(facts.authority.isEmpty ? "(none)" : facts.authority) on listener \(listener.name) (\(known))."
            )
            finish(
                .noVirtualHost,
                status: 404,
                "404 Not Found (NR): no virtual host for host \(request.host) on listener \(listener.name)."
            )
        case .noRoute(let virtualHost):
            describeVirtualHost(virtualHost)
            if virtualHost.virtualHost.requireTLS && facts.scheme == "http", let location = virtualHost.tlsRedirectLocation(facts) {
                // As the gateway does: a host served only to redirect answers 301 without routes.
                answer.location = location
                step("action", true, "The virtual host requires TLS: redirect to \(location).")
                return finish(.tlsRedirect, status: 301, "301 to \(location): \(virtualHost.name) requires TLS.")
            }
            describeSkipped(virtualHost.routes, facts: facts)
            step("route", false, "No route of \(virtualHost.name) matches.")
            finish(.noRoute, status: 404, "404 Not Found (NR): no route of virtual host \(virtualHost.name) matches.")
        case .route(let route, let virtualHost):
            describeVirtualHost(virtualHost)
            let index = virtualHost.routes.firstIndex { $0 === route } ?? 0
            describeSkipped(Array(virtualHost.routes.prefix(index)), facts: facts)
            let summary = RouteSummary(route.route)
            answer.route = Explanation.MatchedRoute(index: index, summary: summary)
            step("route", true, "Route \(index) (\(route.route.name)) matches: \(summary.match).")
            if let location = virtualHost.tlsRedirectLocation(facts) {
                answer.location = location
                step("action", true, "The virtual host requires TLS: redirect to \(location).")
                return finish(.tlsRedirect, status: 301, "301 to \(location): \(virtualHost.name) requires TLS.")
            }
            act(route, facts: facts)
        }
    }

    private mutating func describeVirtualHost(_ virtualHost: CompiledVirtualHost) {
        let host = virtualHost.virtualHost
        answer.virtualHost = Explanation.VirtualHost(
            name: host.name,
            domains: host.domains,
            requireTLS: host.requireTLS
        )
        step(
            "virtual host",
            true,
            "Virtual host \(host.name) serves \(request.host) (domains \(host.domains.joined(separator: ", ")))."
        )
    }

    private mutating func describeSkipped(_ routes: [CompiledRoute], facts: RequestFacts) {
        for (index, route) in routes.enumerated() {
            step(
                "route",
                false,
                "Route \(index) (\(route.route.name)) does not match: \(route.firstFailedCondition(facts) ?? "no condition holds")."
            )
        }
    }
}

extension Snapshot.FilterChain.Destination {
    var isHTTP: Bool {
        if case .http = self { return true }
        return false
    }
}
