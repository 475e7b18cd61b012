extension Validator {
    static func validateVirtualService(_ spec: VirtualServiceSpec, into issues: inout IssueCollector) {
        let boundToMesh = spec.gateways.isEmpty || spec.gateways.contains(VirtualServiceSpec.meshGateway)
        if spec.hosts.isEmpty { issues.error("spec.hosts", "a virtual service needs at least one host") }
        for (index, host) in spec.hosts.enumerated() {
            let path = "spec.hosts[\(index)]"
            if host.contains("/") {
                issues.error(path, "invalid host \(host): namespace/host is only for gateways")
            } else if host == "*" && boundToMesh {
                issues.error(path, "host * is only allowed for virtual services bound to gateways only (not mesh)")
            } else if !Syntax.isIP(host), let problem = Syntax.hostProblem(host) {
                issues.error(path, problem)
            }
        }
        for (index, gateway) in spec.gateways.enumerated() {
            validateGatewayReference(gateway, at: "spec.gateways[\(index)]", into: &issues)
        }
        if spec.http.isEmpty && spec.tls.isEmpty && spec.tcp.isEmpty {
            issues.error("spec", "a virtual service needs http, tls or tcp routes")
        }
        var routeNames: [String: Int] = [:]
        for (index, route) in spec.http.enumerated() {
            let path = "spec.http[\(index)]"
            validateHTTPRoute(route, at: path, into: &issues)
            if let name = route.name, let earlier = routeNames.updateValue(index, forKey: name) {
                issues.error(path + ".name", "route name \"\(name)\" is already used by http[\(earlier)]")
            }
            for (matchIndex, match) in route.match.enumerated() {
                for (gatewayIndex, gateway) in match.gateways.enumerated() {
                    validateGatewayReference(
                        gateway,
                        at: "\(path).match[\(matchIndex)].gateways[\(gatewayIndex)]",
                        into: &issues
                    )
                }
            }
        }
        for (index, route) in spec.tls.enumerated() {
            validateTLSRoute(route, hosts: spec.hosts, at: "spec.tls[\(index)]", into: &issues)
        }
        for (index, route) in spec.tcp.enumerated() {
            let path = "spec.tcp[\(index)]"
            for (matchIndex, match) in route.match.enumerated() {
                let matchPath = "\(path).match[\(matchIndex)]"
                issues.checkPort(match.port, at: matchPath + ".port")
            }
            validateRouteDestinations(
                route.route.map { ($0.destination, $0.weight) },
                at: path + ".route",
                into: &issues
            )
        }
        issues.checkExportTo(spec.exportTo, at: "spec.exportTo")
    }

    /// `mesh`, `name` (same namespace) or `namespace/name`.
    private static func validateGatewayReference(_ gateway: String, at path: String, into issues: inout IssueCollector)
    {
        if gateway == VirtualServiceSpec.meshGateway { return }
        let parts = gateway.split(separator: "/", omittingEmptySubsequences: false)
        let valid: Bool
        switch parts.count {
        case 1: valid = Syntax.isDNSSubdomain(gateway)
        case 2: valid = Syntax.isDNSLabel(String(parts[0])) && Syntax.isDNSSubdomain(String(parts[1]))
        default: valid = false
        }
        if !valid { issues.error(path, "invalid gateway \"\(gateway)\", expected mesh, name or namespace/name") }
    }

    private static func validateTLSRoute(
        _ route: VirtualServiceSpec.TLSRoute,
        hosts: [String],
        at path: String,
        into issues: inout IssueCollector
    ) {
        if route.match.isEmpty { issues.error(path + ".match", "a TLS route needs at least one match") }
        for (index, match) in route.match.enumerated() {
            let matchPath = "\(path).match[\(index)]"
            if match.sniHosts.isEmpty {
                issues.error(matchPath + ".sniHosts", "a TLS match needs at least one SNI host")
            }
            for (hostIndex, sni) in match.sniHosts.enumerated() {
                let hostPath = "\(matchPath).sniHosts[\(hostIndex)]"
                if let problem = Syntax.hostProblem(sni) {
                    issues.error(hostPath, problem)
                } else if !hosts.contains(where: { HostName.overlaps($0, sni) }) {
                    issues.error(hostPath, "SNI host \(sni) does not match any host of the virtual service")
                }
            }
            issues.checkPort(match.port, at: matchPath + ".port")
        }
        validateRouteDestinations(route.route.map { ($0.destination, $0.weight) }, at: path + ".route", into: &issues)
    }

    /// Destinations with weights: at least one; weights 0..100 and, when set on several, summing to 100.
    static func validateRouteDestinations(
        _ destinations: [(VirtualServiceSpec.Destination, Int32?)],
        at path: String,
        into issues: inout IssueCollector
    ) {
        if destinations.isEmpty {
            issues.error(path, "at least one destination is required")
            return
        }
        var total: Int64 = 0
        for (index, (destination, weight)) in destinations.enumerated() {
            validateDestination(destination, at: "\(path)[\(index)].destination", into: &issues)
            if let weight {
                if !(0...100).contains(weight) {
                    issues.error("\(path)[\(index)].weight", "weight \(weight) must be in the range 0..100")
                }
                total += Int64(weight)
            }
        }
        if destinations.count > 1 && destinations.contains(where: { $0.1 != nil }) && total != 100 {
            issues.error(path, "the weights of the destinations sum to \(total), not 100")
        }
    }

    static func validateDestination(
        _ destination: VirtualServiceSpec.Destination,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if destination.host.contains("/") {
            issues.error(
                path + ".host",
                "invalid host \(destination.host): a destination host has no namespace/ prefix"
            )
        } else if let problem = Syntax.hostProblem(destination.host, allowStar: false) {
            issues.error(path + ".host", problem)
        }
        if let subset = destination.subset, !Syntax.isDNSLabel(subset) {
            issues.error(path + ".subset", "\"\(subset)\" is not a valid subset name: \(IssueCollector.labelRule)")
        }
        issues.checkPort(destination.port?.number, at: path + ".port.number")
    }
}
