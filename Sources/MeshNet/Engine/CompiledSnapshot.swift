import Logging
public import MeshModel
public import NIOSSL

/// A `Snapshot` prepared for the hot path: route tables with their regexes compiled, clusters
/// with their healthy endpoints, listeners by name. Immutable and shared by every event loop;
/// a request holds the one it started with, so a new snapshot never changes a request mid-way.
public final class CompiledSnapshot: Sendable {
    /// One cluster with the endpoints it balances over.
    public struct ClusterEntry: Sendable {
        public let cluster: Snapshot.Cluster
        /// Healthy endpoints only; unhealthy ones never get traffic.
        public let endpoints: [UpstreamEndpoint]
        /// All endpoints the registry knows, healthy or not (to tell "no healthy upstream" apart).
        public let knownEndpoints: Int
        /// TLS towards the endpoints (DestinationRule `tls`); nil for plain text.
        public internal(set) var tls: UpstreamTLSClient? = nil
    }

    public let version: UInt64
    public let routeTables: [String: RouteTable]
    public let clusters: [String: ClusterEntry]
    public let listeners: [String: Snapshot.Listener]
    /// Listener names by address and port: where an original-destination listener hands a
    /// captured connection (one lookup, however many VIPs).
    public let capturedListeners: [OriginalDestination: String]
    /// Route configurations with a route that compresses: their connections get a compressor.
    public let compressingRouteConfigurations: Set<String>
    /// Problems found while compiling (a regex that does not compile, a route to a missing cluster).
    public let problems: [String]
    /// TLS contexts of terminating filter chains, by `TLSKey.of(listener:chain:)`.
    public let tlsContexts: [String: NIOSSLContext]
    /// The URI SANs of the certificates mutual-TLS chains serve, by the same key: the `By` of the
    /// `x-forwarded-client-cert` they set.
    let servedURIs: [String: [String]]
    /// The AuthorizationPolicies of HTTP filter chains, compiled (empty when none applies).
    public let authorizations: AuthorizationTable
    /// The RequestAuthentications of HTTP filter chains, with their keys (empty when none applies).
    public let requestAuthentications: RequestAuthenticationTable

    /// - Parameters:
    ///   - tls: builds the contexts of TLS-terminating chains (nil: such chains refuse).
    ///   - upstreamTLS: builds the client contexts of clusters with upstream TLS (nil: they refuse).
    ///   - requestAuthentications: `RequestAuthenticationTable.prepare(snapshot)` (it awaits jwt-kit).
    public init(
        _ snapshot: Snapshot, tls: ServerTLSContexts? = nil, upstreamTLS: UpstreamTLSContexts? = nil,
        requestAuthentications: RequestAuthenticationTable = .empty
    ) {
        version = snapshot.version
        var problems: [String] = []
        var contexts: [String: NIOSSLContext] = [:]
        var servedURIs: [String: [String]] = [:]
        for listener in snapshot.listeners {
            for chain in listener.filterChains {
                guard let settings = chain.tls else { continue }
                guard let tls else {
                    problems.append("listener \(listener.name) chain \(chain.name): no TLS secrets available")
                    continue
                }
                let key = Self.tlsKey(listener: listener.name, chain: chain.name)
                do {
                    contexts[key] = try tls.context(for: settings, secrets: snapshot.secrets)
                    if settings.mode == .mutual {
                        servedURIs[key] = tls.servedURIs(for: settings, secrets: snapshot.secrets)
                    }
                } catch {
                    problems.append("listener \(listener.name) chain \(chain.name): \(error)")
                }
            }
        }
        self.tlsContexts = contexts
        self.servedURIs = servedURIs
        var tables: [String: RouteTable] = [:]
        for configuration in snapshot.routeConfigurations {
            let table = RouteTable(configuration)
            problems.append(contentsOf: table.problems)
            tables[configuration.name] = table
        }
        var endpointsByCluster: [String: Snapshot.ClusterLoadAssignment] = [:]
        for assignment in snapshot.endpoints { endpointsByCluster[assignment.clusterName] = assignment }
        var clusters: [String: ClusterEntry] = [:]
        for cluster in snapshot.clusters {
            let assignment = endpointsByCluster[cluster.name]
            let healthy = (assignment?.endpoints ?? []).filter { $0.health == .healthy }.map(UpstreamEndpoint.init)
            var entry = ClusterEntry(
                cluster: cluster, endpoints: healthy, knownEndpoints: assignment?.endpoints.count ?? 0)
            if cluster.upstreamTLS != nil {
                let client =
                    upstreamTLS?.client(for: cluster, secrets: snapshot.secrets)
                    ?? .refusing(
                        cluster, UpstreamTLSContexts.failure("no TLS secrets available"),
                        logger: Logger(label: "meshbox.tls"))
                if let refusal = client.refusal {
                    problems.append("cluster \(cluster.name): upstream TLS: \(refusal)")
                }
                entry.tls = client
            }
            clusters[cluster.name] = entry
        }
        var listeners: [String: Snapshot.Listener] = [:]
        var captured: [OriginalDestination: String] = [:]
        for listener in snapshot.listeners {
            listeners[listener.name] = listener
            guard !listener.useOriginalDestination,
                let destination = OriginalDestination(address: listener.address, port: listener.port)
            else { continue }
            if let other = captured[destination] {
                problems.append("listener \(listener.name): \(destination) is already \(other)'s; not reachable by capture")
                continue
            }
            captured[destination] = listener.name
        }
        capturedListeners = captured
        self.routeTables = tables
        compressingRouteConfigurations = Set(
            snapshot.routeConfigurations.filter { configuration in
                configuration.virtualHosts.contains { $0.routes.contains { $0.compression != nil } }
            }.map(\.name))
        self.clusters = clusters
        self.listeners = listeners
        let authorizations = AuthorizationTable(snapshot)
        self.authorizations = authorizations
        self.requestAuthentications = requestAuthentications
        self.problems = problems + authorizations.problems + requestAuthentications.problems
    }

    public static let empty = CompiledSnapshot(.empty)

    public static func tlsKey(listener: String, chain: String) -> String { listener + "/" + chain }
}
