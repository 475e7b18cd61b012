/// Cross-resource checks over a whole set of resources, like `istioctl analyze`. Warnings only:
/// resources may be applied in any order, so a missing reference may be about to arrive.
public enum Analyzer {
    public static func analyze(_ resources: [Resource]) -> [FieldIssue] {
        let index = Index(resources)
        var issues: [FieldIssue] = []
        for resource in resources {
            issues += analyze(resource, index: index)
        }
        return issues
    }

    /// Issues about `subjects` only, analysed against the whole set `all` (which should contain
    /// the subjects). Cheaper than `analyze(all)` filtered: the store calls it on every apply.
    public static func analyze(_ subjects: [Resource], in all: [Resource]) -> [FieldIssue] {
        let index = Index(all)
        var issues: [FieldIssue] = []
        for resource in subjects {
            issues += analyze(resource, index: index)
        }
        return issues
    }

    // Kept out of line: with the loop and the switch in one function, Swift 6.3.1's optimizer
    // crashes in CopyPropagation ("Found ownership error") when building with -c release.
    @inline(never)
    static func analyze(_ resource: Resource, index: Index) -> [FieldIssue] {
        var collector = IssueCollector(resource: resource.key.description)
        switch resource.spec {
        case .virtualService(let spec):
            checkVirtualService(spec, namespace: resource.metadata.namespace, index: index, into: &collector)
        case .gateway(let spec):
            checkGateway(spec, key: resource.key, index: index, into: &collector)
        case .destinationRule(let spec):
            checkDestinationRule(spec, key: resource.key, index: index, into: &collector)
        default:
            break
        }
        return collector.issues
    }

    /// Lookups over the resource set.
    struct Index {
        var services: Set<ResourceKey> = []
        var gateways: Set<ResourceKey> = []
        var serviceEntryHosts: [String] = []
        /// DestinationRules by canonical host, in input order.
        var destinationRules: [String: [(ResourceKey, DestinationRuleSpec)]] = [:]
        var virtualServices: [(ResourceKey, VirtualServiceSpec)] = []

        init(_ resources: [Resource]) {
            for resource in resources {
                switch resource.spec {
                case .service: services.insert(resource.key)
                case .gateway: gateways.insert(resource.key)
                case .serviceEntry(let spec): serviceEntryHosts += spec.hosts
                case .virtualService(let spec): virtualServices.append((resource.key, spec))
                default: break
                }
            }
            for resource in resources {
                guard case .destinationRule(let spec) = resource.spec else { continue }
                let host = canonical(spec.host, namespace: resource.metadata.namespace)
                destinationRules[host, default: []].append((resource.key, spec))
            }
        }

        /// The meshbox Service a host names, if it exists.
        func service(for host: String, namespace: String) -> ResourceKey? {
            guard let found = HostName.serviceName(of: host, in: namespace) else { return nil }
            let key = ResourceKey(kind: .service, namespace: found.namespace, name: found.name)
            return services.contains(key) ? key : nil
        }

        /// One spelling per destination: a Service's fully qualified name, else the host in lower case.
        func canonical(_ host: String, namespace: String) -> String {
            if let key = service(for: host, namespace: namespace) {
                return HostName.fullyQualified(service: key.name, namespace: key.namespace)
            }
            if !host.contains("."), !host.contains("*") {
                return HostName.fullyQualified(service: host.lowercased(), namespace: namespace)
            }
            return host.lowercased()
        }

        /// The Gateway a reference in a VirtualService names (`name` is in the service's namespace).
        static func gatewayKey(_ reference: String, namespace: String) -> ResourceKey {
            let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
            return parts.count == 2
                ? ResourceKey(kind: .gateway, namespace: parts[0], name: parts[1])
                : ResourceKey(kind: .gateway, namespace: namespace, name: reference)
        }
    }

    private static func checkVirtualService(
        _ spec: VirtualServiceSpec,
        namespace: String,
        index: Index,
        into issues: inout IssueCollector
    ) {
        func checkGatewayReference(_ reference: String, at path: String) {
            guard reference != VirtualServiceSpec.meshGateway else { return }
            let key = Index.gatewayKey(reference, namespace: namespace)
            if !index.gateways.contains(key) {
                issues.warning(path, "gateway \(key.namespace)/\(key.name) not found")
            }
        }
        func checkDestination(_ destination: VirtualServiceSpec.Destination, at path: String) {
            let host = destination.host
            if index.service(for: host, namespace: namespace) == nil
                && !index.serviceEntryHosts.contains(where: { HostName.matches($0, host) })
            {
                issues.warning(path + ".host", "host \(host) is neither a Service nor a ServiceEntry host")
            }
            if let subset = destination.subset {
                let rules = index.destinationRules[index.canonical(host, namespace: namespace)] ?? []
                if !rules.contains(where: { $0.1.subset(named: subset) != nil }) {
                    issues.warning(
                        path + ".subset",
                        "subset \(subset) is not defined by any DestinationRule for host \(host)"
                    )
                }
            }
        }
        for (gatewayIndex, gateway) in spec.gateways.enumerated() {
            checkGatewayReference(gateway, at: "spec.gateways[\(gatewayIndex)]")
        }
        for (routeIndex, route) in spec.http.enumerated() {
            let path = "spec.http[\(routeIndex)]"
            for (matchIndex, match) in route.match.enumerated() {
                for (gatewayIndex, gateway) in match.gateways.enumerated() {
                    checkGatewayReference(gateway, at: "\(path).match[\(matchIndex)].gateways[\(gatewayIndex)]")
                }
            }
            for (destinationIndex, destination) in route.route.enumerated() {
                checkDestination(destination.destination, at: "\(path).route[\(destinationIndex)].destination")
            }
            if let mirror = route.mirror { checkDestination(mirror, at: path + ".mirror") }
        }
        for (routeIndex, route) in spec.tls.enumerated() {
            for (destinationIndex, destination) in route.route.enumerated() {
                checkDestination(
                    destination.destination,
                    at: "spec.tls[\(routeIndex)].route[\(destinationIndex)].destination"
                )
            }
        }
        for (routeIndex, route) in spec.tcp.enumerated() {
            for (destinationIndex, destination) in route.route.enumerated() {
                checkDestination(
                    destination.destination,
                    at: "spec.tcp[\(routeIndex)].route[\(destinationIndex)].destination"
                )
            }
        }
    }

    private static func checkGateway(
        _ spec: GatewaySpec,
        key: ResourceKey,
        index: Index,
        into issues: inout IssueCollector
    ) {
        let bound = index.virtualServices.filter { service in
            service.1.gateways.contains { Index.gatewayKey($0, namespace: service.0.namespace) == key }
                || service.1.http.contains { route in
                    route.match.contains { match in
                        match.gateways.contains { Index.gatewayKey($0, namespace: service.0.namespace) == key }
                    }
                }
        }
        for (serverIndex, server) in spec.servers.enumerated() {
            // A redirect-only server and AUTO_PASSTHROUGH route without VirtualServices.
            if server.tls?.httpsRedirect == true || server.tls?.mode == .autoPassthrough { continue }
            for (hostIndex, entry) in server.hosts.enumerated() {
                let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
                let host = parts.last ?? entry
                let namespace = parts.count == 2 ? parts[0] : "*"
                let serves = bound.contains { service in
                    (namespace == "*" || service.0.namespace == (namespace == "." ? key.namespace : namespace))
                        && service.1.hosts.contains { HostName.overlaps($0, host) }
                }
                if !serves {
                    issues.warning(
                        "spec.servers[\(serverIndex)].hosts[\(hostIndex)]",
                        "no VirtualService bound to this gateway serves host \(host)"
                    )
                }
            }
        }
    }

    private static func checkDestinationRule(
        _ spec: DestinationRuleSpec,
        key: ResourceKey,
        index: Index,
        into issues: inout IssueCollector
    ) {
        let host = index.canonical(spec.host, namespace: key.namespace)
        let rules = index.destinationRules[host] ?? []
        guard rules.count > 1, let first = rules.first, first.0 != key else { return }
        issues.warning(
            "spec.host",
            "\(first.0) also applies to host \(spec.host); only one DestinationRule per host takes effect"
        )
    }
}
