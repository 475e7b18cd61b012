import MeshModel

/// One server of a selected Gateway, with what the compiler needs to place it on a listener.
struct GatewayServer {
    enum Kind: Equatable {
        case plainHTTP
        case terminatedHTTPS
        case terminatedTLS
        case passthrough
        case tcp

        /// Kinds of one family can share a port; TLS kinds are told apart by SNI.
        var family: Int {
            switch self {
            case .plainHTTP: 0
            case .terminatedHTTPS, .terminatedTLS, .passthrough: 1
            case .tcp: 2
            }
        }
    }

    var gateway: ResourceKey
    var server: GatewaySpec.Server
    var index: Int
    var port: UInt32
    var kind: Kind

    var path: String { "spec.servers[\(index)]" }

    /// `name` of the server, or its index.
    var label: String { server.name.flatMap { $0.isEmpty ? nil : $0 } ?? String(index) }

    /// Classifies a server by protocol and TLS mode; nil (with the reason) when not servable.
    static func kind(of server: GatewaySpec.Server) -> Result<Kind, Unsupported> {
        let mode = server.tls?.mode
        switch server.port?.protocol ?? .http {
        case .http, .http2, .grpc, .grpcWeb:
            return .success(.plainHTTP)
        case .https:
            switch mode {
            case .passthrough, .autoPassthrough: return .success(.passthrough)
            case .simple, .mutual, .optionalMutual, .istioMutual: return .success(.terminatedHTTPS)
            case nil: return .failure(Unsupported(message: "an HTTPS server needs tls settings"))
            }
        case .tls:
            switch mode {
            case .passthrough, .autoPassthrough, nil: return .success(.passthrough)
            case .simple, .mutual, .optionalMutual, .istioMutual: return .success(.terminatedTLS)
            }
        case .tcp, .mongo, .mysql, .redis:
            return .success(.tcp)
        case .udp:
            return .failure(Unsupported(message: "UDP servers are not supported"))
        }
    }

    struct Unsupported: Error {
        var message: String
    }

    /// The server's hosts without namespace, for the namespace of `virtualService`; nil when the
    /// host's `namespace/` part excludes it.
    func hosts(visibleTo virtualService: ResourceKey) -> [String] {
        server.hosts.compactMap { entry in
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return entry.lowercased() }
            switch parts[0] {
            case "*": return parts[1].lowercased()
            case ".": return virtualService.namespace == gateway.namespace ? parts[1].lowercased() : nil
            case "~": return nil
            default: return virtualService.namespace == parts[0] ? parts[1].lowercased() : nil
            }
        }
    }

    /// The server's hosts without namespace (for SNI).
    var plainHosts: [String] {
        server.hosts.map { entry in
            (entry.split(separator: "/", maxSplits: 1).last.map(String.init) ?? entry).lowercased()
        }
    }
}

enum HostIntersection {
    /// The more specific of two overlapping hosts, or nil when no host matches both.
    static func intersect(_ serverHost: String, _ routeHost: String) -> String? {
        let serverHost = serverHost.lowercased()
        let routeHost = routeHost.lowercased()
        if HostName.matches(serverHost, routeHost) { return routeHost }
        if HostName.matches(routeHost, serverHost) { return serverHost }
        return nil
    }
}
