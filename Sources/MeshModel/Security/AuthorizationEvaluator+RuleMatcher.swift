extension AuthorizationEvaluator {
    /// Matches one request against rules: `from` entries ORed, `to` entries ORed, `when` ANDed, the three ANDed;
    /// inside a source or operation every set field must match, any value of a field will do, `not…` negates.
    struct RuleMatcher {
        var request: AuthorizationRequest
        /// DENY on TCP: an HTTP-only field counts as matched (dropped), not as failed.
        var dropsHTTPOnlyFields: Bool

        func matches(_ rule: AuthorizationPolicySpec.Rule) -> Bool {
            let from = rule.from.isEmpty || rule.from.contains { $0.source.map(matches) ?? true }
            let to = rule.to.isEmpty || rule.to.contains { $0.operation.map(matches) ?? true }
            return from && to && rule.when.allSatisfy(matches)
        }

        func matches(_ source: AuthorizationPolicySpec.Source) -> Bool {
            let principal = request.sourcePrincipal
            let namespace = request.sourceNamespace
            return field(source.principals) { Self.matchesPrincipal($0, principal) }
                && notField(source.notPrincipals) { Self.matchesPrincipal($0, principal) }
                && field(source.namespaces) { Self.matchesPattern($0, namespace) }
                && notField(source.notNamespaces) { Self.matchesPattern($0, namespace) }
                && field(source.ipBlocks) { Self.matchesIP($0, request.sourceIP) }
                && notField(source.notIpBlocks) { Self.matchesIP($0, request.sourceIP) }
                && field(source.remoteIpBlocks) { Self.matchesIP($0, request.remoteIP) }
                && notField(source.notRemoteIpBlocks) { Self.matchesIP($0, request.remoteIP) }
                && httpField(source.requestPrincipals, negated: false) { Self.matchesPattern($0, request.requestPrincipal) }
                && httpField(source.notRequestPrincipals, negated: true) {
                    Self.matchesPattern($0, request.requestPrincipal)
                }
        }

        func matches(_ operation: AuthorizationPolicySpec.Operation) -> Bool {
            let port = request.destinationPort.map(String.init)
            return httpField(operation.hosts, negated: false) { matchesHost($0) }
                && httpField(operation.notHosts, negated: true) { matchesHost($0) }
                && field(operation.ports) { $0 == port }
                && notField(operation.notPorts) { $0 == port }
                && httpField(operation.methods, negated: false) { Self.matchesPattern($0, request.method) }
                && httpField(operation.notMethods, negated: true) { Self.matchesPattern($0, request.method) }
                && httpField(operation.paths, negated: false) { Self.matchesPattern($0, urlPath) }
                && httpField(operation.notPaths, negated: true) { Self.matchesPattern($0, urlPath) }
        }

        func matches(_ condition: AuthorizationPolicySpec.Condition) -> Bool {
            let key = condition.key
            let test: (String) -> Bool
            if key.hasPrefix("request.headers["), key.hasSuffix("]") {
                guard request.isHTTP else { return dropsHTTPOnlyFields }
                let name = key.dropFirst("request.headers[".count).dropLast().lowercased()
                test = { Self.matchesPattern($0, request.headers[name]) }
            } else if let claim = AuthorizationClaimPath(key: key) {
                guard request.isHTTP else { return dropsHTTPOnlyFields }
                let values = request.claimValues(claim.names)
                test = { pattern in values.contains { Self.matchesPattern(pattern, $0) } }
            } else if key.hasPrefix("request.auth.") {
                guard request.isHTTP else { return dropsHTTPOnlyFields }
                switch key {
                case "request.auth.principal": test = { Self.matchesPattern($0, request.requestPrincipal) }
                case "request.auth.audiences":
                    let audiences = request.claimValues(["aud"])
                    test = { pattern in audiences.contains { Self.matchesPattern(pattern, $0) } }
                case "request.auth.presenter": test = { Self.matchesPattern($0, request.requestClaims?["azp"]?.stringValue) }
                default: return false
                }
            } else {
                switch key {
                case "source.ip": test = { Self.matchesIP($0, request.sourceIP) }
                case "remote.ip": test = { Self.matchesIP($0, request.remoteIP) }
                case "destination.ip": test = { Self.matchesIP($0, request.destinationIP) }
                case "source.namespace": test = { Self.matchesPattern($0, request.sourceNamespace) }
                case "source.principal": test = { Self.matchesPrincipal($0, request.sourcePrincipal) }
                case "destination.port": test = { $0 == request.destinationPort.map(String.init) }
                case "connection.sni": test = { Self.matchesPattern($0, request.serverName) }
                // Unknown keys: meshbox cannot evaluate them, so they never match.
                default: return false
                }
            }
            return field(condition.values, test) && notField(condition.notValues, test)
        }

        private var urlPath: String? {
            request.path.map { path in String(path.prefix { $0 != "?" && $0 != "#" }) }
        }

        private func field(_ values: [String], _ test: (String) -> Bool) -> Bool {
            values.isEmpty || values.contains(where: test)
        }

        private func notField(_ values: [String], _ test: (String) -> Bool) -> Bool {
            values.isEmpty || !values.contains(where: test)
        }

        private func httpField(_ values: [String], negated: Bool, _ test: (String) -> Bool) -> Bool {
            guard !values.isEmpty else { return true }
            guard request.isHTTP else { return dropsHTTPOnlyFields }
            return negated ? notField(values, test) : field(values, test)
        }

        private func matchesHost(_ pattern: String) -> Bool {
            guard let host = request.host?.lowercased() else { return false }
            let pattern = pattern.lowercased()
            return Self.matchesPattern(pattern, host) || Self.matchesPattern(pattern, Self.strippingPort(host))
        }

        /// Istio's string match: `*` (present, non-empty), `prefix*`, `*suffix`, or exact.
        static func matchesPattern(_ pattern: String, _ value: String?) -> Bool {
            guard let value else { return false }
            if pattern == "*" { return !value.isEmpty }
            if pattern.hasSuffix("*") { return value.hasPrefix(pattern.dropLast()) }
            if pattern.hasPrefix("*") { return value.hasSuffix(pattern.dropFirst()) }
            return value == pattern
        }

        /// Principals are compared without `spiffe://`, whichever side wrote it.
        static func matchesPrincipal(_ pattern: String, _ principal: String?) -> Bool {
            let pattern = pattern.hasPrefix("spiffe://") ? String(pattern.dropFirst(9)) : pattern
            return matchesPattern(pattern, principal)
        }

        static func matchesIP(_ block: String, _ address: String?) -> Bool {
            guard let address, let block = IPBlock(block) else { return false }
            return block.contains(address)
        }

        /// `example.com:8080` → `example.com`, `[::1]:80` → `[::1]`; a bare IPv6 address is left alone.
        static func strippingPort(_ host: String) -> String {
            guard let colon = host.lastIndex(of: ":") else { return host }
            let head = host[..<colon]
            if head.contains(":") && !head.hasSuffix("]") { return host }
            return host[host.index(after: colon)...].allSatisfy(\.isNumber) ? String(head) : host
        }
    }
}
