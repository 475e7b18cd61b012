import MeshCore
import MeshModel

extension Compilation {
    /// Whether the VirtualService is bound there, by its `gateways` or a match's.
    func isBound(_ service: VirtualService, to binding: RouteBinding) -> Bool {
        if Self.lists(service.spec.gateways, binding, from: service.key.namespace) { return true }
        let matchGateways =
            service.spec.http.flatMap { $0.match.map(\.gateways) } + service.spec.tls.flatMap { $0.match.map(\.gateways) }
            + service.spec.tcp.flatMap { $0.match.map(\.gateways) }
        return matchGateways.contains { !$0.isEmpty && Self.lists($0, binding, from: service.key.namespace) }
    }

    /// Whether `names` (`name` in `namespace`, or `namespace/name`) includes the gateway; for the
    /// mesh, Istio's rule: no names at all, or `mesh` among them.
    static func lists(_ names: [String], _ binding: RouteBinding, from namespace: String) -> Bool {
        guard case .gateway(let gateway) = binding else {
            return names.isEmpty || names.contains(RouteBinding.meshName)
        }
        return names.contains { name in
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            if parts.count == 2 { return parts[0] == gateway.namespace && parts[1] == gateway.name }
            return namespace == gateway.namespace && name == gateway.name
        }
    }

    /// Whether a match with these `port` and `gateways` applies on this gateway server (or, for
    /// the mesh, on this service port).
    func applies(
        port: UInt32?,
        gateways: [String],
        _ service: VirtualService,
        _ binding: RouteBinding,
        _ serverPort: UInt32
    ) -> Bool {
        if let port, port != serverPort { return false }
        let bindings = gateways.isEmpty ? service.spec.gateways : gateways
        return Self.lists(bindings, binding, from: service.key.namespace)
    }

    /// The routes of a VirtualService's `http` rules on one gateway server (or mesh service port),
    /// in order: one route per match (matches are ORed), a catch-all `/` for a rule without matches.
    mutating func httpRoutes(_ service: VirtualService, binding: RouteBinding, serverPort: UInt32) -> [Snapshot.Route] {
        var routes: [Snapshot.Route] = []
        for (ruleIndex, rule) in service.spec.http.enumerated() {
            let path = "spec.http[\(ruleIndex)]"
            let base = "\(service.key.namespace)/\(service.key.name)/\(rule.name.flatMap { $0.isEmpty ? nil : $0 } ?? String(ruleIndex))"
            var matches: [(String, Snapshot.RouteMatch)] = []
            if rule.match.isEmpty {
                guard Self.lists(service.spec.gateways, binding, from: service.key.namespace) else { continue }
                matches = [(base, .all)]
            } else {
                for (matchIndex, match) in rule.match.enumerated()
                where applies(port: match.port, gateways: match.gateways, service, binding, serverPort) {
                    let suffix = rule.match.count > 1 ? "." + (match.name ?? String(matchIndex)) : ""
                    matches.append((base + suffix, Self.routeMatch(match)))
                }
            }
            guard !matches.isEmpty else { continue }
            let action = routeAction(rule, owner: service.key, path: path)
            let fault = self.fault(rule.fault, owner: service.key, path: path + ".fault")
            for (name, match) in matches {
                routes.append(
                    Snapshot.Route(
                        name: name, match: match, action: action, headers: Self.mutations(rule.headers), fault: fault,
                        compression: Self.compression(rule.compression)))
            }
        }
        return routes
    }

    static func routeMatch(_ match: VirtualServiceSpec.HTTPMatchRequest) -> Snapshot.RouteMatch {
        var result = Snapshot.RouteMatch()
        switch match.uri {
        case .exact(let value): result.path = .exact(value)
        case .prefix(let value): result.path = .prefix(value)
        case .regex(let value): result.path = .regex(value)
        case nil: result.path = .prefix("/")
        }
        result.caseSensitive = !(match.ignoreUriCase ?? false)
        var headers: [Snapshot.HeaderMatcher] = []
        if let method = match.method { headers.append(.init(name: ":method", match: matcher(method))) }
        if let authority = match.authority { headers.append(.init(name: ":authority", match: matcher(authority))) }
        if let scheme = match.scheme { headers.append(.init(name: ":scheme", match: matcher(scheme))) }
        for (name, value) in match.headers.sorted(by: { $0.key < $1.key }) {
            headers.append(.init(name: name.lowercased(), match: matcher(value)))
        }
        for (name, value) in match.withoutHeaders.sorted(by: { $0.key < $1.key }) {
            headers.append(.init(name: name.lowercased(), match: matcher(value), invert: true))
        }
        result.headers = headers
        result.queryParameters = match.queryParams.sorted { $0.key < $1.key }.map {
            Snapshot.QueryParameterMatcher(name: $0.key, match: matcher($0.value))
        }
        return result
    }

    static func matcher(_ match: StringMatch) -> Snapshot.StringMatcher {
        switch match {
        case .exact(let value): .exact(value)
        case .prefix(let value): .prefix(value)
        case .regex(let value): .regex(value)
        }
    }

    static func mutations(_ headers: VirtualServiceSpec.Headers?) -> Snapshot.HeaderMutations {
        func options(_ operations: VirtualServiceSpec.HeaderOperations?) -> [Snapshot.HeaderValueOption] {
            guard let operations else { return [] }
            return operations.set.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value, append: false) }
                + operations.add.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value, append: true) }
        }
        return Snapshot.HeaderMutations(
            requestHeadersToAdd: options(headers?.request), requestHeadersToRemove: headers?.request?.remove ?? [],
            responseHeadersToAdd: options(headers?.response), responseHeadersToRemove: headers?.response?.remove ?? [])
    }

    mutating func weightedClusters(
        _ destinations: [(VirtualServiceSpec.Destination, Int32?, VirtualServiceSpec.Headers?)],
        owner: ResourceKey,
        path: String
    ) -> [Snapshot.WeightedCluster] {
        destinations.enumerated().map { index, entry in
            let name = requestCluster(entry.0, owner: owner, path: "\(path).route[\(index)].destination")
            let weight = destinations.count == 1 ? 100 : UInt32(max(0, entry.1 ?? 0))
            return Snapshot.WeightedCluster(name: name, weight: weight, headers: Self.mutations(entry.2))
        }
    }

    mutating func routeAction(_ rule: VirtualServiceSpec.HTTPRoute, owner: ResourceKey, path: String) -> Snapshot.Route.Action {
        if let redirect = rule.redirect {
            return .redirect(
                Snapshot.RedirectAction(
                    scheme: redirect.scheme, host: redirect.authority, port: redirect.port,
                    portFromRequest: redirect.derivePort == .fromRequestPort, path: redirect.uri,
                    responseCode: redirect.redirectCode ?? 301))
        }
        if let response = rule.directResponse {
            return .directResponse(Snapshot.DirectResponseAction(status: response.status, body: response.body?.data))
        }
        var action = Snapshot.RouteAction(
            weightedClusters: weightedClusters(rule.route.map { ($0.destination, $0.weight, $0.headers) }, owner: owner, path: path))
        action.timeout = rule.timeout.flatMap { parseDuration($0, owner: owner, path: path + ".timeout") }
        action.retryPolicy = retryPolicy(rule.retries, owner: owner, path: path + ".retries")
        action.prefixRewrite = rule.rewrite?.uri
        action.hostRewrite = rule.rewrite?.authority
        if let regex = rule.rewrite?.uriRegexRewrite, let pattern = regex.match {
            action.regexRewrite = Snapshot.RegexRewrite(pattern: pattern, substitution: regex.rewrite ?? "")
        }
        if let mirror = rule.mirror {
            let cluster = requestCluster(mirror, owner: owner, path: path + ".mirror")
            action.requestMirrorPolicies = [
                Snapshot.MirrorPolicy(cluster: cluster, percentage: rule.mirrorPercentage?.value ?? 100)
            ]
        }
        if let cors = rule.corsPolicy {
            action.cors = Snapshot.CorsPolicy(
                allowOrigins: cors.allowOrigins.map(Self.matcher), allowMethods: cors.allowMethods,
                allowHeaders: cors.allowHeaders, exposeHeaders: cors.exposeHeaders,
                maxAge: cors.maxAge.flatMap { parseDuration($0, owner: owner, path: path + ".corsPolicy.maxAge") },
                allowCredentials: cors.allowCredentials)
        }
        // Istio hashes only when every destination asks for the same hash.
        let hashes = action.weightedClusters.map { hashPolicy(forCluster: $0.name) }
        if let first = hashes.first, let hash = first, hashes.allSatisfy({ $0 == first }),
            let policy = hashPolicy(hash, owner: owner)
        {
            action.hashPolicies = [policy]
        }
        return .route(action)
    }

    /// Istio retries twice on connection problems unless told otherwise; `attempts: 0` disables.
    private mutating func retryPolicy(_ retries: VirtualServiceSpec.HTTPRetry?, owner: ResourceKey, path: String) -> Snapshot.RetryPolicy? {
        let defaultOn = "connect-failure,refused-stream,unavailable,cancelled"
        guard let retries else { return Snapshot.RetryPolicy(retryOn: defaultOn, numRetries: 2) }
        let attempts = retries.attempts ?? 2
        guard attempts > 0 else { return nil }
        return Snapshot.RetryPolicy(
            retryOn: retries.retryOn.flatMap { $0.isEmpty ? nil : $0 } ?? defaultOn, numRetries: UInt32(attempts),
            perTryTimeout: retries.perTryTimeout.flatMap { parseDuration($0, owner: owner, path: path + ".perTryTimeout") })
    }

    /// The meshbox `compression` extension with its defaults filled in.
    static func compression(_ spec: VirtualServiceSpec.HTTPCompression?) -> Snapshot.Route.Compression? {
        guard let spec else { return nil }
        var compression = Snapshot.Route.Compression()
        if let minimum = spec.minContentLength { compression.minContentLength = UInt32(clamping: minimum) }
        if let types = spec.contentTypes { compression.contentTypes = types.map { $0.lowercased() } }
        return compression
    }

    private mutating func fault(_ fault: VirtualServiceSpec.HTTPFaultInjection?, owner: ResourceKey, path: String) -> Snapshot.FaultInjection? {
        guard let fault else { return nil }
        var result = Snapshot.FaultInjection()
        if let delay = fault.delay, let text = delay.fixedDelay,
            let duration = parseDuration(text, owner: owner, path: path + ".delay.fixedDelay")
        {
            result.delay = .init(duration: duration, percentage: delay.effectivePercentage ?? 100)
        }
        if let abort = fault.abort, let status = abort.httpStatus {
            result.abort = .init(httpStatus: UInt32(max(0, status)), percentage: abort.percentage?.value ?? 100)
        }
        return result.delay == nil && result.abort == nil ? nil : result
    }
}
