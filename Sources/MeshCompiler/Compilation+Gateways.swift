import MeshAPI
import MeshModel

extension Compilation {
    /// One listener per port of the selected Gateways' servers, with their route configurations.
    mutating func compileGateways() {
        var servers: [GatewayServer] = []
        for stored in config.resources(of: .gateway) {
            guard case .gateway(let spec) = stored.resource.spec, options.gateways.selects(stored.key, spec) else { continue }
            for (index, server) in spec.servers.enumerated() {
                let path = "spec.servers[\(index)]"
                guard let number = server.port?.number else {
                    warn(stored.key, path + ".port", "a server needs a port; ignored")
                    continue
                }
                let shifted = Int(number) + (options.portOffset ?? 0)
                guard (1...65535).contains(shifted) else {
                    warn(stored.key, path + ".port.number", "port \(number) with offset \(options.portOffset ?? 0) is out of range; ignored")
                    continue
                }
                switch GatewayServer.kind(of: server) {
                case .failure(let unsupported):
                    warn(stored.key, path, unsupported.message + "; ignored")
                case .success(let kind):
                    servers.append(
                        GatewayServer(gateway: stored.key, server: server, index: index, port: UInt32(shifted), kind: kind))
                }
            }
        }
        let byPort = Dictionary(grouping: servers, by: \.port)
        for port in byPort.keys.sorted() {
            guard let all = byPort[port], let first = all.first else { continue }
            for server in all where server.kind.family != first.kind.family {
                warn(
                    server.gateway, server.path + ".port",
                    "port \(port) is already used by \(first.gateway) \(first.path) with another protocol; ignored")
            }
            let group = all.filter { $0.kind.family == first.kind.family }
            switch first.kind {
            case .plainHTTP: compileHTTPListener(port: port, servers: group)
            case .terminatedHTTPS, .terminatedTLS, .passthrough: compileTLSListener(port: port, servers: group)
            case .tcp: compileTCPListener(port: port, servers: group)
            }
        }
    }

    private mutating func addListener(port: UInt32, protocol: Snapshot.ListenerProtocol, chains: [Snapshot.FilterChain]) {
        let address = options.listenerAddress
        listeners.append(
            Snapshot.Listener(
                name: Snapshot.Listener.name(address: address, port: port), address: address, port: port,
                protocol: `protocol`, filterChains: chains))
    }

    private mutating func compileHTTPListener(port: UInt32, servers: [GatewayServer]) {
        let name = "http.\(port)"
        routeConfigurations.append(
            Snapshot.RouteConfiguration(name: name, virtualHosts: virtualHosts(servers: servers, port: port)))
        var chain = Snapshot.FilterChain(
            name: name, destination: .http(routeConfigurationName: name),
            authorization: httpAuthorization(for: servers, port: port))
        chain.requestAuthentication = httpRequestAuthentication(for: servers)
        addListener(port: port, protocol: .http, chains: [chain])
    }

    private mutating func compileTCPListener(port: UInt32, servers: [GatewayServer]) {
        guard let clusters = tcpClusters(servers: servers) else {
            warn(servers[0].gateway, servers[0].path, "no VirtualService tcp route is bound to this server; port \(port) not served")
            return
        }
        addListener(
            port: port, protocol: .tcp, chains: [Snapshot.FilterChain(name: "tcp.\(port)", destination: .tcp(clusters))])
    }

    private mutating func compileTLSListener(port: UInt32, servers: [GatewayServer]) {
        var chains: [Snapshot.FilterChain] = []
        var claimed = SNIClaims()
        for server in servers {
            switch server.kind {
            case .terminatedHTTPS, .terminatedTLS:
                guard let tls = serverTLS(server) else { continue }
                guard let names = claimed.claim(server.plainHosts) else {
                    warn(server.gateway, server.path + ".hosts", "hosts already served on port \(port) by another server; ignored")
                    continue
                }
                let name = "https.\(port).\(server.label).\(server.gateway.name).\(server.gateway.namespace)"
                let destination: Snapshot.FilterChain.Destination
                var authorization: Snapshot.Authorization?
                var requestAuthentication: Snapshot.RequestAuthentication?
                if server.kind == .terminatedHTTPS {
                    routeConfigurations.append(
                        Snapshot.RouteConfiguration(name: name, virtualHosts: virtualHosts(servers: [server], port: port)))
                    destination = .http(routeConfigurationName: name)
                    authorization = httpAuthorization(for: [server], port: port)
                    requestAuthentication = httpRequestAuthentication(for: [server])
                } else if let clusters = tcpClusters(servers: [server]) {
                    destination = .tcp(clusters)
                } else {
                    warn(server.gateway, server.path, "no VirtualService tcp route is bound to this server; ignored")
                    continue
                }
                var chain = Snapshot.FilterChain(
                    name: name, serverNames: names, tls: tls, destination: destination, authorization: authorization)
                chain.requestAuthentication = requestAuthentication
                chains.append(chain)
            case .passthrough:
                chains += passthroughChains(server: server, claimed: &claimed)
            case .plainHTTP, .tcp:
                continue
            }
        }
        guard !chains.isEmpty else {
            warn(servers[0].gateway, servers[0].path, "no route is bound to the TLS servers of port \(port); port not served")
            return
        }
        let kinds = servers.map(\.kind)
        let listenerProtocol: Snapshot.ListenerProtocol =
            kinds.contains(.terminatedHTTPS) ? .https : kinds.contains(.terminatedTLS) ? .tls : .tlsPassthrough
        addListener(port: port, protocol: listenerProtocol, chains: chains)
    }

    /// One chain per `tls` match of the bound VirtualServices, selected by SNI.
    private mutating func passthroughChains(server: GatewayServer, claimed: inout SNIClaims) -> [Snapshot.FilterChain] {
        var chains: [Snapshot.FilterChain] = []
        let serverPort = server.server.port?.number ?? 0
        for service in virtualServices where isBound(service, to: .gateway(server.gateway)) {
            let serverHosts = server.hosts(visibleTo: service.key)
            for (ruleIndex, rule) in service.spec.tls.enumerated() {
                for match in rule.match where applies(port: match.port, gateways: match.gateways, service, .gateway(server.gateway), serverPort) {
                    var sni: [String] = []
                    for host in match.sniHosts {
                        for serverHost in serverHosts {
                            if let both = HostIntersection.intersect(serverHost, host), !sni.contains(both) { sni.append(both) }
                        }
                    }
                    guard !sni.isEmpty, let names = claimed.claim(sni) else { continue }
                    let path = "spec.tls[\(ruleIndex)]"
                    let clusters = weightedClusters(
                        rule.route.map { ($0.destination, $0.weight, nil) }, owner: service.key, path: path)
                    chains.append(
                        Snapshot.FilterChain(
                            name: "\(service.key.namespace)/\(service.key.name)/tls[\(ruleIndex)]", serverNames: names,
                            destination: .tcp(clusters)))
                }
            }
        }
        return chains
    }

    /// The first `tcp` rule of a bound VirtualService that applies to one of the servers.
    private mutating func tcpClusters(servers: [GatewayServer]) -> [Snapshot.WeightedCluster]? {
        for server in servers {
            let serverPort = server.server.port?.number ?? 0
            for service in virtualServices where isBound(service, to: .gateway(server.gateway)) {
                let serverHosts = server.hosts(visibleTo: service.key)
                let hostMatches = service.spec.hosts.contains { host in
                    serverHosts.contains { HostIntersection.intersect($0, host) != nil }
                }
                guard hostMatches else { continue }
                for (ruleIndex, rule) in service.spec.tcp.enumerated() {
                    let applicable =
                        rule.match.isEmpty
                        || rule.match.contains { applies(port: $0.port, gateways: $0.gateways, service, .gateway(server.gateway), serverPort) }
                    guard applicable else { continue }
                    return weightedClusters(
                        rule.route.map { ($0.destination, $0.weight, nil) }, owner: service.key, path: "spec.tcp[\(ruleIndex)]")
                }
            }
        }
        return nil
    }

    /// Virtual hosts for the VirtualServices bound to the servers, one per effective host.
    private mutating func virtualHosts(servers: [GatewayServer], port: UInt32) -> [Snapshot.VirtualHost] {
        var byHost: [String: (owner: ResourceKey?, host: Snapshot.VirtualHost)] = [:]
        for server in servers {
            let redirect = server.server.tls?.httpsRedirect == true
            let serverPort = server.server.port?.number ?? 0
            for service in virtualServices where isBound(service, to: .gateway(server.gateway)) {
                let serverHosts = server.hosts(visibleTo: service.key)
                var effective: [String] = []
                for host in service.spec.hosts {
                    for serverHost in serverHosts {
                        if let both = HostIntersection.intersect(serverHost, host), !effective.contains(both) {
                            effective.append(both)
                        }
                    }
                }
                guard !effective.isEmpty else { continue }
                let routes = httpRoutes(service, binding: .gateway(server.gateway), serverPort: serverPort)
                for host in effective {
                    if let existing = byHost[host] {
                        if existing.owner != service.key {
                            let owner = existing.owner.map(\.description) ?? "a redirect"
                            warn(service.key, "spec.hosts", "host \(host) on port \(port) is already routed by \(owner); ignored there")
                        }
                        continue
                    }
                    byHost[host] = (
                        service.key,
                        Snapshot.VirtualHost(
                            name: "\(host):\(port)", domains: Self.domains(host, port: port), routes: routes, requireTLS: redirect)
                    )
                }
            }
            if redirect {
                for host in server.plainHosts where byHost[host] == nil {
                    byHost[host] = (
                        nil,
                        Snapshot.VirtualHost(
                            name: "\(host):\(port)", domains: Self.domains(host, port: port), routes: [], requireTLS: true)
                    )
                }
            }
        }
        return byHost.values.map(\.host).sorted { $0.name < $1.name }
    }

    /// A host as Envoy domains: the name, and the name with the port (a Host header may carry it).
    static func domains(_ host: String, port: UInt32) -> [String] {
        host == "*" ? ["*"] : [host, "\(host):\(port)"]
    }
}
