import MeshAPI
import MeshModel

/// `GET /api/v1/traffic`: the gateway's listeners, the hosts they serve, the certificates they
/// present, and for one host its routes in order with where each sends traffic. Read from the
/// current snapshot, so it shows what the data plane serves, not what the config asks for.
struct TrafficBody: Encodable, Sendable {
    /// One virtual host on one listener.
    struct HostEntry: Encodable, Sendable {
        /// The virtual host's name without its port: what a client puts in Host.
        var host: String
        var virtualHost: String
        var listener: String
        var port: UInt32
        var routeConfiguration: String
        var routes: Int
        var requireTLS: Bool
    }

    /// The routes of the chosen host on one listener, in the order they are tried.
    struct HostRoutes: Encodable, Sendable {
        var listener: String
        var port: UInt32
        var `protocol`: Snapshot.ListenerProtocol
        var routeConfiguration: String
        var virtualHost: String
        var domains: [String]
        var requireTLS: Bool
        var routes: [RouteEntry]
    }

    struct RouteEntry: Encodable, Sendable {
        var index: Int
        var summary: RouteSummary
        /// A request this route matches (when its conditions can be written down), for Explain.
        var example: ExplainRequest?
    }

    /// A certificate or CA a listener presents or verifies with.
    struct Certificate: Encodable, Sendable {
        var secret: String
        /// `certificate` or `validationContext`.
        var kind: String
        var source: String
        var listener: String
        var chain: String
        var serverNames: [String]
    }

    var snapshotVersion: UInt64
    var listeners: [ListenerSummary]
    var hosts: [HostEntry]
    var certificates: [Certificate]
    /// The host asked for (`?host=`), nil when none was.
    var host: String?
    /// Its routes, per listener; empty when no listener serves it.
    var routes: [HostRoutes]

    init(snapshot: Snapshot, host requested: String?) {
        snapshotVersion = snapshot.version
        listeners = snapshot.listeners.map(ListenerSummary.init)
        var hosts: [HostEntry] = []
        var certificates: [Certificate] = []
        var routes: [HostRoutes] = []
        let wanted = requested?.lowercased()
        for listener in snapshot.listeners {
            for chain in listener.filterChains {
                if let tls = chain.tls {
                    for (name, kind) in [
                        (tls.certificateSecretName, "certificate"), (tls.caSecretName, "validationContext"),
                    ] {
                        guard let name else { continue }
                        certificates.append(
                            Certificate(
                                secret: name,
                                kind: kind,
                                source: Self.describe(snapshot.secret(named: name)?.source),
                                listener: listener.name,
                                chain: chain.name,
                                serverNames: chain.serverNames
                            )
                        )
                    }
                }
                guard case .http(let configurationName) = chain.destination,
                    let configuration = snapshot.routeConfiguration(named: configurationName)
                else { continue }
                for virtualHost in configuration.virtualHosts {
                    let host = Self.hostName(virtualHost)
                    hosts.append(
                        HostEntry(
                            host: host,
                            virtualHost: virtualHost.name,
                            listener: listener.name,
                            port: listener.port,
                            routeConfiguration: configurationName,
                            routes: virtualHost.routes.count,
                            requireTLS: virtualHost.requireTLS
                        )
                    )
                    guard let wanted,
                        wanted == host || wanted == virtualHost.name || virtualHost.domains.contains(wanted)
                    else { continue }
                    routes.append(
                        HostRoutes(
                            listener: listener.name,
                            port: listener.port,
                            protocol: listener.protocol,
                            routeConfiguration: configurationName,
                            virtualHost: virtualHost.name,
                            domains: virtualHost.domains,
                            requireTLS: virtualHost.requireTLS,
                            routes: virtualHost.routes.enumerated().map { index, route in
                                RouteEntry(
                                    index: index,
                                    summary: RouteSummary(route),
                                    example: Self.example(
                                        route.match, host: host, port: listener.port, mesh: listener.role == .proxy)
                                )
                            }
                        )
                    )
                }
            }
        }
        self.hosts = hosts
        self.certificates = certificates
        self.host = requested
        self.routes = routes
    }

    /// `bookinfo.example.com:8080` → `bookinfo.example.com`.
    static func hostName(_ virtualHost: Snapshot.VirtualHost) -> String {
        if let colon = virtualHost.name.lastIndex(of: ":"),
            virtualHost.name[virtualHost.name.index(after: colon)...].allSatisfy(\.isNumber)
        {
            return String(virtualHost.name[..<colon])
        }
        return virtualHost.name
    }

    static func describe(_ source: Snapshot.SecretReference.Source?) -> String {
        switch source {
        case .credential(let name): "credential \(name)"
        case .files(let certificate, let key): "files \(certificate) and \(key)"
        case .caFile(let file): "file \(file)"
        case .workloadCertificate: "the mesh workload certificate"
        case .meshTrustBundle: "the mesh trust bundle"
        case nil: "not in the snapshot"
        }
    }

    /// A request that takes this route when no earlier one matches: exact and prefix conditions
    /// written out; nil when a condition (a regex, a negation) has no obvious example.
    /// `mesh`: the route is the node proxy's, so the request is one a program on a proxy host sends.
    static func example(_ match: Snapshot.RouteMatch, host: String, port: UInt32, mesh: Bool = false) -> ExplainRequest? {
        var request = ExplainRequest(
            listenerPort: Int(port),
            mesh: mesh,
            host: host.hasPrefix("*") ? "example" + host.dropFirst() : host
        )
        switch match.path {
        case .prefix(let prefix): request.path = prefix
        case .exact(let path): request.path = path
        case .regex: return nil
        }
        for header in match.headers {
            guard !header.invert else { continue }
            let value: String
            switch header.match {
            case .exact(let text)?, .prefix(let text)?, .suffix(let text)?: value = text
            case nil: value = "1"
            case .regex?: return nil
            }
            switch header.name {
            case ":method": request.method = value
            case ":authority": request.host = value
            case ":scheme": continue
            default: request.headers.append(.init(name: header.name, value: value))
            }
        }
        var query: [String] = []
        for parameter in match.queryParameters {
            switch parameter.match {
            case .exact(let text)?, .prefix(let text)?, .suffix(let text)?: query.append("\(parameter.name)=\(text)")
            case nil: query.append(parameter.name)
            case .regex?: return nil
            }
        }
        if !query.isEmpty { request.path += "?" + query.joined(separator: "&") }
        return request
    }
}
