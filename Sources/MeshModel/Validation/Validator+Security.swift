extension Validator {
    static func validatePeerAuthentication(_ spec: PeerAuthenticationSpec, into issues: inout IssueCollector) {
        if let selector = spec.selector {
            issues.checkLabels(selector.matchLabels, at: "spec.selector.matchLabels")
        }
        guard !spec.portLevelMtls.isEmpty else { return }
        if spec.selector?.matchLabels.isEmpty ?? true {
            issues.error("spec.portLevelMtls", "portLevelMtls requires a selector with matchLabels")
        }
        for key in spec.portLevelMtls.keys.sorted() {
            guard let port = UInt32(key), (1...65535).contains(port) else {
                issues.error("spec.portLevelMtls." + key, "\"\(key)\" is not a port number in the range 1..65535")
                continue
            }
        }
    }

    static func validateAuthorizationPolicy(_ spec: AuthorizationPolicySpec, into issues: inout IssueCollector) {
        if let selector = spec.selector {
            issues.checkLabels(selector.matchLabels, at: "spec.selector.matchLabels")
        }
        if spec.action == .custom {
            issues.error("spec.action", "not supported (CUSTOM needs an external authorization provider)")
        }
        if spec.action == .deny && spec.rules.isEmpty {
            issues.warning("spec.rules", "a DENY policy without rules denies nothing")
        }
        for (ruleIndex, rule) in spec.rules.enumerated() {
            let rulePath = "spec.rules[\(ruleIndex)]"
            for (index, from) in rule.from.enumerated() {
                let path = "\(rulePath).from[\(index)].source"
                guard let source = from.source else {
                    issues.error(path, "missing required field")
                    continue
                }
                validateSource(source, at: path, into: &issues)
            }
            for (index, to) in rule.to.enumerated() {
                let path = "\(rulePath).to[\(index)].operation"
                guard let operation = to.operation else {
                    issues.error(path, "missing required field")
                    continue
                }
                validateOperation(operation, at: path, into: &issues)
            }
            for (index, condition) in rule.when.enumerated() {
                validateCondition(condition, at: "\(rulePath).when[\(index)]", into: &issues)
            }
        }
    }

    private static func validateSource(
        _ source: AuthorizationPolicySpec.Source,
        at path: String,
        into issues: inout IssueCollector
    ) {
        let all = [
            source.principals, source.notPrincipals, source.namespaces, source.notNamespaces,
            source.ipBlocks, source.notIpBlocks, source.remoteIpBlocks, source.notRemoteIpBlocks,
            source.requestPrincipals, source.notRequestPrincipals,
        ]
        if all.allSatisfy(\.isEmpty) { issues.error(path, "source must set at least one field") }
        issues.checkNotEmpty(source.principals, at: path + ".principals", what: "principal")
        issues.checkNotEmpty(source.notPrincipals, at: path + ".notPrincipals", what: "principal")
        issues.checkNotEmpty(source.namespaces, at: path + ".namespaces", what: "namespace")
        issues.checkNotEmpty(source.notNamespaces, at: path + ".notNamespaces", what: "namespace")
        issues.checkIPOrCIDR(source.ipBlocks, at: path + ".ipBlocks")
        issues.checkIPOrCIDR(source.notIpBlocks, at: path + ".notIpBlocks")
        issues.checkIPOrCIDR(source.remoteIpBlocks, at: path + ".remoteIpBlocks")
        issues.checkIPOrCIDR(source.notRemoteIpBlocks, at: path + ".notRemoteIpBlocks")
        issues.checkNotEmpty(source.requestPrincipals, at: path + ".requestPrincipals", what: "request principal")
        issues.checkNotEmpty(source.notRequestPrincipals, at: path + ".notRequestPrincipals", what: "request principal")
    }

    private static func validateOperation(
        _ operation: AuthorizationPolicySpec.Operation,
        at path: String,
        into issues: inout IssueCollector
    ) {
        let all = [
            operation.hosts, operation.notHosts, operation.ports, operation.notPorts,
            operation.methods, operation.notMethods, operation.paths, operation.notPaths,
        ]
        if all.allSatisfy(\.isEmpty) { issues.error(path, "operation must set at least one field") }
        for (field, ports) in [("ports", operation.ports), ("notPorts", operation.notPorts)] {
            for (index, port) in ports.enumerated() {
                guard let number = UInt32(port), (1...65535).contains(number) else {
                    issues.error("\(path).\(field)[\(index)]", "\"\(port)\" is not a port number in the range 1..65535")
                    continue
                }
            }
        }
        for (field, paths) in [("paths", operation.paths), ("notPaths", operation.notPaths)] {
            for (index, value) in paths.enumerated() where !isPathPattern(value) {
                issues.error(
                    "\(path).\(field)[\(index)]",
                    "\"\(value)\" is not a path: it starts with / and may only have * as a whole prefix or suffix"
                )
            }
        }
        issues.checkNotEmpty(operation.hosts, at: path + ".hosts", what: "host")
        issues.checkNotEmpty(operation.notHosts, at: path + ".notHosts", what: "host")
        issues.checkNotEmpty(operation.methods, at: path + ".methods", what: "method")
        issues.checkNotEmpty(operation.notMethods, at: path + ".notMethods", what: "method")
    }

    /// Istio's path matching: exact, `prefix*`, `*suffix` or `*`.
    private static func isPathPattern(_ value: String) -> Bool {
        if value == "*" { return true }
        var core = Substring(value)
        if core.hasPrefix("*") { core = core.dropFirst() } else if core.hasSuffix("*") { core = core.dropLast() }
        return !core.isEmpty && !core.contains("*") && (value.hasPrefix("/") || value.hasPrefix("*"))
    }

    /// Condition keys meshbox evaluates, besides `request.headers[…]` and `request.auth.claims[…]`.
    private static let conditionKeys: Set<String> = [
        "source.ip", "remote.ip", "source.namespace", "source.principal", "destination.ip", "destination.port",
        "connection.sni", "request.auth.principal", "request.auth.audiences", "request.auth.presenter",
    ]

    private static func validateCondition(
        _ condition: AuthorizationPolicySpec.Condition,
        at path: String,
        into issues: inout IssueCollector
    ) {
        let key = condition.key
        if key.hasPrefix("request.auth.claims") {
            if AuthorizationClaimPath(key: key) == nil {
                issues.error(path + ".key", "invalid key \"\(key)\", expected request.auth.claims[<name>] or claims[<name>][<name>]…")
            }
        } else if key.hasPrefix("request.headers[") {
            let name = key.dropFirst("request.headers[".count)
            if !name.hasSuffix("]") || !Syntax.isHeaderName(String(name.dropLast())) {
                issues.error(path + ".key", "invalid key \"\(key)\", expected request.headers[<header name>]")
            }
        } else if !conditionKeys.contains(key) {
            let known = (conditionKeys.sorted() + ["request.headers[<name>]", "request.auth.claims[<name>]"]).joined(separator: ", ")
            issues.error(path + ".key", "unknown key \"\(key)\", expected one of \(known)")
        }
        if condition.values.isEmpty && condition.notValues.isEmpty {
            issues.error(path, "at least one of values or notValues must be set")
        }
        if key == "source.ip" || key == "remote.ip" || key == "destination.ip" {
            issues.checkIPOrCIDR(condition.values, at: path + ".values")
            issues.checkIPOrCIDR(condition.notValues, at: path + ".notValues")
        }
    }
}
