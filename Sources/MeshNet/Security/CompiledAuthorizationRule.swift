import MeshModel

/// A field and its `not…` twin: some value must match (when any is given) and no `not` value may.
struct AuthorizationValues<Value: Sendable>: Sendable {
    let values: [Value]
    let notValues: [Value]

    var isEmpty: Bool { values.isEmpty && notValues.isEmpty }

    func matches(_ test: (Value) -> Bool) -> Bool {
        (values.isEmpty || values.contains(where: test)) && (notValues.isEmpty || !notValues.contains(where: test))
    }

    /// An HTTP-only field on a connection without HTTP attributes: each set half counts as `dropped`.
    func matchesWithoutHTTP(dropped: Bool) -> Bool {
        isEmpty || dropped
    }
}

/// One rule of an AuthorizationPolicy, compiled with `AuthorizationEvaluator`'s semantics: `from`
/// entries ORed, `to` entries ORed, `when` conditions ANDed, the three ANDed. A nil source or
/// operation matches everything, as an empty one does.
struct CompiledAuthorizationRule: Sendable {
    struct Source: Sendable {
        let principals: AuthorizationValues<AuthorizationPattern>
        let namespaces: AuthorizationValues<AuthorizationPattern>
        let ipBlocks: AuthorizationValues<AuthorizationIPBlock?>
        let remoteIPBlocks: AuthorizationValues<AuthorizationIPBlock?>
        /// JWT `iss/sub` (HTTP only).
        let requestPrincipals: AuthorizationValues<AuthorizationPattern>
    }

    struct Operation: Sendable {
        let hosts: AuthorizationValues<AuthorizationPattern>
        /// A port written as anything but a plain decimal number is -1 and never matches.
        let ports: AuthorizationValues<Int>
        let methods: AuthorizationValues<AuthorizationPattern>
        let paths: AuthorizationValues<AuthorizationPattern>
    }

    enum Condition: Sendable {
        case header(name: String, AuthorizationValues<AuthorizationPattern>)
        case sourceIP(AuthorizationValues<AuthorizationIPBlock?>)
        case remoteIP(AuthorizationValues<AuthorizationIPBlock?>)
        case destinationIP(AuthorizationValues<AuthorizationIPBlock?>)
        case sourceNamespace(AuthorizationValues<AuthorizationPattern>)
        case sourcePrincipal(AuthorizationValues<AuthorizationPattern>)
        case destinationPort(AuthorizationValues<Int>)
        case serverName(AuthorizationValues<AuthorizationPattern>)
        /// `request.auth.principal`, `.audiences`, `.presenter`, `.claims[a][b]…`: the verified JWT's (HTTP only).
        case requestPrincipal(AuthorizationValues<AuthorizationPattern>)
        case requestAudiences(AuthorizationValues<AuthorizationPattern>)
        case requestPresenter(AuthorizationValues<AuthorizationPattern>)
        case requestClaim([String], AuthorizationValues<AuthorizationPattern>)
        /// Unknown keys: meshbox cannot evaluate them, so they never match.
        case never
    }

    let from: [Source?]
    let to: [Operation?]
    let when: [Condition]

    init(_ rule: AuthorizationPolicySpec.Rule) {
        from = rule.from.map { $0.source.map(Self.compile) }
        to = rule.to.map { $0.operation.map(Self.compile) }
        when = rule.when.map(Self.compile)
    }

    /// - Parameter dropsHTTPOnlyFields: DENY rules on a connection without HTTP attributes.
    func matches(_ request: AuthorizationAttributes, dropsHTTPOnlyFields: Bool) -> Bool {
        (from.isEmpty || from.contains { $0.map { matches($0, request, dropsHTTPOnlyFields) } ?? true })
            && (to.isEmpty || to.contains { $0.map { matches($0, request, dropsHTTPOnlyFields) } ?? true })
            && when.allSatisfy { matches($0, request, dropsHTTPOnlyFields) }
    }

    private func matches(_ source: Source, _ request: AuthorizationAttributes, _ drops: Bool) -> Bool {
        let requestPrincipals =
            request.isHTTP
            ? source.requestPrincipals.matches { $0.matches(request.requestAuth?.principal) }
            : source.requestPrincipals.matchesWithoutHTTP(dropped: drops)
        return requestPrincipals
            && source.principals.matches { $0.matches(request.principal) }
            && source.namespaces.matches { $0.matches(request.namespace) }
            && source.ipBlocks.matches { $0?.contains(request.sourceIP) ?? false }
            && source.remoteIPBlocks.matches { $0?.contains(request.remoteIP) ?? false }
    }

    private func matches(_ operation: Operation, _ request: AuthorizationAttributes, _ drops: Bool) -> Bool {
        let isHTTP = request.isHTTP
        guard operation.ports.matches({ $0 == request.destinationPort }) else { return false }
        guard isHTTP else {
            return operation.hosts.matchesWithoutHTTP(dropped: drops)
                && operation.methods.matchesWithoutHTTP(dropped: drops)
                && operation.paths.matchesWithoutHTTP(dropped: drops)
        }
        return operation.hosts.matches { Self.matchesHost($0, request.host) }
            && operation.methods.matches { $0.matches(request.method) }
            && operation.paths.matches { $0.matches(request.path) }
    }

    private func matches(_ condition: Condition, _ request: AuthorizationAttributes, _ drops: Bool) -> Bool {
        switch condition {
        case .header(let name, let values):
            guard request.isHTTP else { return drops }
            let value = request.headers.flatMap { HeaderLookup.value(of: name, in: $0) }
            return values.matches { $0.matches(value) }
        case .sourceIP(let values): return values.matches { $0?.contains(request.sourceIP) ?? false }
        case .remoteIP(let values): return values.matches { $0?.contains(request.remoteIP) ?? false }
        case .destinationIP(let values): return values.matches { $0?.contains(request.destinationIP) ?? false }
        case .sourceNamespace(let values): return values.matches { $0.matches(request.namespace) }
        case .sourcePrincipal(let values): return values.matches { $0.matches(request.principal) }
        case .destinationPort(let values): return values.matches { $0 == request.destinationPort }
        case .serverName(let values): return values.matches { $0.matches(request.serverName) }
        case .requestPrincipal(let values):
            guard request.isHTTP else { return drops }
            return values.matches { $0.matches(request.requestAuth?.principal) }
        case .requestAudiences(let values):
            guard request.isHTTP else { return drops }
            let audiences = request.requestAuth?.audiences ?? []
            return values.matches { pattern in audiences.contains { pattern.matches($0) } }
        case .requestPresenter(let values):
            guard request.isHTTP else { return drops }
            return values.matches { $0.matches(request.requestAuth?.presenter) }
        case .requestClaim(let names, let values):
            guard request.isHTTP else { return drops }
            let claims = request.requestAuth?.claimValues(names) ?? []
            return values.matches { pattern in claims.contains { pattern.matches($0) } }
        case .never: return false
        }
    }

    /// The host as sent, or without its port (`a.com:8080` → `a.com`; a bare IPv6 address stays).
    private static func matchesHost(_ pattern: AuthorizationPattern, _ host: String?) -> Bool {
        guard let host else { return false }
        if pattern.matches(host) { return true }
        guard let colon = host.utf8.lastIndex(of: UInt8(ascii: ":")) else { return false }
        let head = host[..<colon]
        if head.utf8.contains(UInt8(ascii: ":")) && head.utf8.last != UInt8(ascii: "]") { return false }
        let port = host.utf8[host.utf8.index(after: colon)...]
        guard port.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return false }
        return pattern.matches(head)
    }

    // MARK: Compiling

    private static func compile(_ source: AuthorizationPolicySpec.Source) -> Source {
        Source(
            principals: .init(
                values: source.principals.map(AuthorizationPattern.principal),
                notValues: source.notPrincipals.map(AuthorizationPattern.principal)
            ),
            namespaces: patterns(source.namespaces, source.notNamespaces),
            ipBlocks: blocks(source.ipBlocks, source.notIpBlocks),
            remoteIPBlocks: blocks(source.remoteIpBlocks, source.notRemoteIpBlocks),
            requestPrincipals: patterns(source.requestPrincipals, source.notRequestPrincipals)
        )
    }

    private static func compile(_ operation: AuthorizationPolicySpec.Operation) -> Operation {
        Operation(
            hosts: .init(
                values: operation.hosts.map(AuthorizationPattern.host),
                notValues: operation.notHosts.map(AuthorizationPattern.host)
            ),
            ports: ports(operation.ports, operation.notPorts),
            methods: patterns(operation.methods, operation.notMethods),
            paths: patterns(operation.paths, operation.notPaths)
        )
    }

    private static func compile(_ condition: AuthorizationPolicySpec.Condition) -> Condition {
        let key = condition.key
        if key.hasPrefix("request.headers["), key.hasSuffix("]") {
            let name = key.dropFirst("request.headers[".count).dropLast().lowercased()
            return .header(name: name, patterns(condition.values, condition.notValues))
        }
        switch key {
        case "source.ip": return .sourceIP(blocks(condition.values, condition.notValues))
        case "remote.ip": return .remoteIP(blocks(condition.values, condition.notValues))
        case "destination.ip": return .destinationIP(blocks(condition.values, condition.notValues))
        case "source.namespace": return .sourceNamespace(patterns(condition.values, condition.notValues))
        case "source.principal":
            return .sourcePrincipal(
                .init(
                    values: condition.values.map(AuthorizationPattern.principal),
                    notValues: condition.notValues.map(AuthorizationPattern.principal)
                )
            )
        case "destination.port": return .destinationPort(ports(condition.values, condition.notValues))
        case "connection.sni": return .serverName(patterns(condition.values, condition.notValues))
        case "request.auth.principal": return .requestPrincipal(patterns(condition.values, condition.notValues))
        case "request.auth.audiences": return .requestAudiences(patterns(condition.values, condition.notValues))
        case "request.auth.presenter": return .requestPresenter(patterns(condition.values, condition.notValues))
        default:
            if let claim = AuthorizationClaimPath(key: key) {
                return .requestClaim(claim.names, patterns(condition.values, condition.notValues))
            }
            return .never
        }
    }

    private static func patterns(_ values: [String], _ notValues: [String]) -> AuthorizationValues<AuthorizationPattern>
    {
        .init(values: values.map(AuthorizationPattern.init), notValues: notValues.map(AuthorizationPattern.init))
    }

    private static func blocks(_ values: [String], _ notValues: [String]) -> AuthorizationValues<AuthorizationIPBlock?>
    {
        .init(values: values.map(AuthorizationIPBlock.init), notValues: notValues.map(AuthorizationIPBlock.init))
    }

    private static func ports(_ values: [String], _ notValues: [String]) -> AuthorizationValues<Int> {
        // The evaluator compares the port's decimal text, so `080` never equals port 80.
        let number: (String) -> Int = { text in Int(text).flatMap { String($0) == text ? $0 : nil } ?? -1 }
        return .init(values: values.map(number), notValues: notValues.map(number))
    }
}
