extension Validator {
    /// Hosts one ServiceEntry may list.
    static let maximumServiceEntryHosts = 1_000

    static func validateServiceEntry(_ spec: ServiceEntrySpec, into issues: inout IssueCollector) {
        let resolution = spec.resolution ?? .none
        if spec.hosts.isEmpty { issues.error("spec.hosts", "a service entry needs at least one host") }
        // Each host holds VIPs that the store places and the compiler looks up host by host: a
        // bound keeps that work small whatever one document lists.
        if spec.hosts.count > maximumServiceEntryHosts {
            issues.error(
                "spec.hosts",
                "\(spec.hosts.count) hosts; at most \(maximumServiceEntryHosts) in one ServiceEntry (split it)")
        }
        for (index, host) in spec.hosts.enumerated() {
            let path = "spec.hosts[\(index)]"
            if let problem = Syntax.hostProblem(host, allowStar: false) {
                issues.error(path, problem)
            } else if host.hasPrefix("*") && resolution != .none && spec.endpoints.isEmpty {
                issues.error(path, "wildcard host \(host) needs resolution NONE or endpoints")
            }
        }
        issues.checkIPOrCIDR(spec.addresses, at: "spec.addresses")
        if spec.ports.isEmpty { issues.error("spec.ports", "a service entry needs at least one port") }
        var names: [String: Int] = [:]
        var numbers: [UInt32: Int] = [:]
        for (index, port) in spec.ports.enumerated() {
            let path = "spec.ports[\(index)]"
            issues.checkPort(port.number, at: path + ".number")
            issues.checkPort(port.targetPort, at: path + ".targetPort")
            if let earlier = numbers.updateValue(index, forKey: port.number) {
                issues.error(path + ".number", "port \(port.number) is already used by ports[\(earlier)]")
            }
            if let name = port.name, let earlier = names.updateValue(index, forKey: name) {
                issues.error(path + ".name", "port name \"\(name)\" is already used by ports[\(earlier)]")
            }
        }
        switch resolution {
        case .static:
            if spec.endpoints.isEmpty { issues.error("spec.endpoints", "STATIC resolution needs endpoints") }
        case .none:
            if !spec.endpoints.isEmpty { issues.error("spec.endpoints", "NONE resolution cannot have endpoints") }
        case .dnsRoundRobin:
            if spec.endpoints.count > 1 {
                issues.error("spec.endpoints", "DNS_ROUND_ROBIN resolution allows at most one endpoint")
            }
        case .dns:
            break
        }
        for (index, endpoint) in spec.endpoints.enumerated() {
            validateEndpoint(
                endpoint,
                resolution: resolution,
                portNames: Set(names.keys),
                at: "spec.endpoints[\(index)]",
                into: &issues
            )
        }
        issues.checkExportTo(spec.exportTo, at: "spec.exportTo")
        issues.checkNotEmpty(spec.subjectAltNames, at: "spec.subjectAltNames", what: "subject alt name")
    }

    private static func validateEndpoint(
        _ endpoint: WorkloadEntry,
        resolution: ServiceEntrySpec.Resolution,
        portNames: Set<String>,
        at path: String,
        into issues: inout IssueCollector
    ) {
        switch endpoint.address {
        case nil:
            if endpoint.network == nil { issues.error(path + ".address", "missing required field") }
        case let address?:
            if address.hasPrefix("unix://") {
                issues.error(path + ".address", "not supported (unix domain sockets)")
            } else if resolution == .static {
                if !Syntax.isIP(address) {
                    issues.error(path + ".address", "\"\(address)\" is not an IP address (STATIC resolution)")
                }
            } else if !Syntax.isIP(address), Syntax.hostProblem(address, allowStar: false, allowWildcard: false) != nil
            {
                issues.error(path + ".address", "\"\(address)\" is not an IP address or host name")
            }
        }
        for (name, number) in endpoint.ports.sorted(by: { $0.key < $1.key }) {
            issues.checkPort(number, at: "\(path).ports.\(name)")
            if !portNames.contains(name) {
                issues.error("\(path).ports.\(name)", "no port named \"\(name)\" in spec.ports")
            }
        }
        issues.checkLabels(endpoint.labels, at: path + ".labels")
        if let locality = endpoint.locality {
            let parts = locality.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count > 3 || parts.contains(where: \.isEmpty) {
                issues.error(path + ".locality", "\"\(locality)\" is not region[/zone[/subzone]]")
            }
        }
        if let weight = endpoint.weight, weight == 0 {
            issues.error(path + ".weight", "weight must be at least 1")
        }
        if let account = endpoint.serviceAccount, !Syntax.isDNSLabel(account) {
            issues.error(
                path + ".serviceAccount",
                "\"\(account)\" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63)")
        }
    }
}
