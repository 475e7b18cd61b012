import MeshAPI
import MeshModel

/// The node proxy's listeners, shaped as Istio's sidecar (and ztunnel) outbound side: one
/// `virtualOutbound` listener that takes every captured connection, and one listener per service
/// VIP and port that owns no socket (`bindToPort` false) and gets the connections whose original
/// destination it is. Envoy receives them unchanged over xDS.
extension Compilation {
    /// The listener the capture rules redirect to (Istio's name and port 15001).
    static let virtualOutboundName = "virtualOutbound"

    /// `virtualOutbound`, then each VIP's ports: HTTP through the routes of the VirtualServices
    /// bound to the mesh, TCP to the service's cluster (or the VirtualService's `tcp` route), TLS
    /// passed through by SNI. UDP ports get no listener (kernel DNAT).
    mutating func compileMesh() {
        // No chain: a captured connection whose original destination is no VIP listener is closed.
        // It carries the services (names, VIPs, ports) the proxy's capture rules and DNS are made from.
        listeners.append(
            Snapshot.Listener(
                name: Self.virtualOutboundName, address: options.proxy.outboundAddress, port: options.proxy.outboundPort,
                protocol: .tcp, filterChains: [], role: .proxy, useOriginalDestination: true, direction: .outbound,
                services: config.meshServices(registry: registry)))
        var served = Set(listeners.map(\.name))
        for target in catalog.withVIPs {
            guard let owner = target.resource else { continue }
            let virtualService = meshVirtualService(for: target)
            for (index, port) in target.ports.enumerated() {
                guard let (listenerProtocol, chains) = meshChains(target, port, owner, "spec.ports[\(index)]", virtualService)
                else { continue }
                for vip in target.vips {
                    let name = Snapshot.Listener.name(address: vip, port: port.number)
                    guard served.insert(name).inserted else {
                        warn(owner, "spec.ports[\(index)]", "\(vip):\(port.number) is already served by another service; ignored")
                        continue
                    }
                    listeners.append(
                        Snapshot.Listener(
                            name: name, address: vip, port: port.number, protocol: listenerProtocol, filterChains: chains,
                            role: .proxy, bindToPort: false, direction: .outbound))
                }
            }
        }
    }

    /// The listener protocol and chains of one service port; nil for a port the proxy does not
    /// serve (UDP).
    private mutating func meshChains(
        _ target: ServiceTarget, _ port: ServiceTarget.Port, _ owner: ResourceKey, _ path: String,
        _ virtualService: VirtualService?
    ) -> (Snapshot.ListenerProtocol, [Snapshot.FilterChain])? {
        let own = VirtualServiceSpec.Destination(host: target.fqdn, port: PortSelector(number: port.number))
        let name = "mesh.\(target.fqdn):\(port.number)"
        switch Self.portProtocol(port) {
        case .udp?:
            return nil
        case .http?, .http2?, .grpc?, .grpcWeb?:
            routedPort = port.number
            defer { routedPort = nil }
            var routes = virtualService.map { httpRoutes($0, binding: .mesh, serverPort: port.number) } ?? []
            if routes.isEmpty {
                let rule = VirtualServiceSpec.HTTPRoute(route: [.init(destination: own)])
                routes = [Snapshot.Route(name: "default", match: .all, action: routeAction(rule, owner: owner, path: path))]
            }
            routeConfigurations.append(
                Snapshot.RouteConfiguration(
                    name: name,
                    virtualHosts: [
                        Snapshot.VirtualHost(
                            name: "\(target.fqdn):\(port.number)", domains: meshDomains(target, port: port.number),
                            routes: routes)
                    ]))
            return (.http, [Snapshot.FilterChain(name: name, destination: .http(routeConfigurationName: name))])
        case .https?, .tls?:
            routedPort = port.number
            defer { routedPort = nil }
            var chains = virtualService.map { meshSNIChains($0, port: port.number) } ?? []
            let fallback = weightedClusters([(own, nil, nil)], owner: owner, path: path)
            chains.append(Snapshot.FilterChain(name: name, destination: .tcp(fallback)))
            return (.tlsPassthrough, chains)
        default:
            routedPort = port.number
            defer { routedPort = nil }
            let clusters =
                virtualService.flatMap { meshTCPClusters($0, port: port.number) }
                ?? weightedClusters([(own, nil, nil)], owner: owner, path: path)
            return (.tcp, [Snapshot.FilterChain(name: name, destination: .tcp(clusters))])
        }
    }

    /// The first VirtualService bound to the mesh whose hosts name the target (Istio takes one per
    /// host for sidecars); the others are reported.
    private mutating func meshVirtualService(for target: ServiceTarget) -> VirtualService? {
        var chosen: VirtualService?
        for service in virtualServices where isBound(service, to: .mesh) {
            let names = service.spec.hosts.contains { host in
                host.contains("*") ? HostName.matches(host, target.fqdn) : catalog.fqdn(of: host, in: service.key.namespace) == target.fqdn
            }
            guard names else { continue }
            if let chosen {
                warn(service.key, "spec.hosts", "\(target.fqdn) is already routed for the mesh by \(chosen.key); ignored there")
                continue
            }
            chosen = service
        }
        return chosen
    }

    /// The clusters of the first `tcp` rule that applies to the mesh on this port.
    private mutating func meshTCPClusters(_ service: VirtualService, port: UInt32) -> [Snapshot.WeightedCluster]? {
        for (ruleIndex, rule) in service.spec.tcp.enumerated() {
            let applicable =
                rule.match.isEmpty
                ? Self.lists(service.spec.gateways, .mesh, from: service.key.namespace)
                : rule.match.contains { applies(port: $0.port, gateways: $0.gateways, service, .mesh, port) }
            guard applicable else { continue }
            return weightedClusters(
                rule.route.map { ($0.destination, $0.weight, nil) }, owner: service.key, path: "spec.tcp[\(ruleIndex)]")
        }
        return nil
    }

    /// One chain per `tls` match that applies to the mesh on this port, selected by its SNI hosts.
    private mutating func meshSNIChains(_ service: VirtualService, port: UInt32) -> [Snapshot.FilterChain] {
        var chains: [Snapshot.FilterChain] = []
        var claimed = SNIClaims()
        for (ruleIndex, rule) in service.spec.tls.enumerated() {
            for match in rule.match where applies(port: match.port, gateways: match.gateways, service, .mesh, port) {
                guard !match.sniHosts.isEmpty, let names = claimed.claim(match.sniHosts.map { $0.lowercased() }) else {
                    continue
                }
                let path = "spec.tls[\(ruleIndex)]"
                chains.append(
                    Snapshot.FilterChain(
                        name: "\(service.key.namespace)/\(service.key.name)/tls[\(ruleIndex)]", serverNames: names,
                        destination: .tcp(
                            weightedClusters(rule.route.map { ($0.destination, $0.weight, nil) }, owner: service.key, path: path))))
            }
        }
        return chains
    }

    /// The names a request to the service may carry in its Host header: the service's names (for
    /// a Service: `name.namespace.svc.<domain>` and its short forms, as the proxy's DNS answers
    /// them), its VIPs, each also with the port.
    func meshDomains(_ target: ServiceTarget, port: UInt32) -> [String] {
        var names: [String]
        if target.resource?.kind == .service {
            let name = target.registryName
            let namespace = target.registryNamespace
            names = [
                "\(name).\(namespace).svc.\(options.domain)", name, "\(name).\(namespace)", "\(name).\(namespace).svc",
            ]
            if target.fqdn != names[0] { names.append(target.fqdn) }
        } else {
            names = [target.fqdn]
        }
        names += target.vips.map { $0.contains(":") ? "[\($0)]" : $0 }
        return names.flatMap { [$0, "\($0):\(port)"] }
    }
}
