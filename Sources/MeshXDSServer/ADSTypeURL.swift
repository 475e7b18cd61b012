import MeshXDS

/// How the ADS server orders and names the type URLs it serves: Envoy's (`XDSTypeURL`) and
/// meshbox's own (`MeshboxTypeURL`).
enum ADSTypeURL {
    static let listener = XDSTypeURL.listener
    static let routeConfiguration = XDSTypeURL.routeConfiguration
    static let cluster = XDSTypeURL.cluster
    static let clusterLoadAssignment = XDSTypeURL.clusterLoadAssignment
    static let secret = XDSTypeURL.secret

    /// Types whose SotW subscription is wildcard when the request names nothing: Envoy's clusters
    /// and listeners, and every meshbox type (a meshbox node takes its whole scoped snapshot).
    static let wildcardByDefault: Set<String> = Set([cluster, listener] + MeshboxTypeURL.pushOrder)

    /// Each served type's place in the push order; an Envoy type and its meshbox counterpart share it.
    private static let rank: [String: Int] = Dictionary(
        uniqueKeysWithValues: XDSTypeURL.pushOrder.enumerated().map { ($1, $0) }
            + MeshboxTypeURL.pushOrder.enumerated().map { ($1, $0) })

    /// Make-before-break (`XDSTypeURL.pushOrder`, `MeshboxTypeURL.pushOrder`: secrets, clusters,
    /// endpoints, listeners, routes); anything else after them, by name.
    static func ordered(_ types: some Sequence<String>) -> [String] {
        let last = XDSTypeURL.pushOrder.count
        return types.sorted { (rank[$0] ?? last, $0) < (rank[$1] ?? last, $1) }
    }

    /// A short, bounded name for logs and metric labels: `Cluster`, `Listener`, …
    static func shortName(_ typeURL: String) -> String {
        switch typeURL {
        case listener: "Listener"
        case routeConfiguration: "RouteConfiguration"
        case cluster: "Cluster"
        case clusterLoadAssignment: "ClusterLoadAssignment"
        case secret: "Secret"
        case MeshboxTypeURL.listener: "meshbox.Listener"
        case MeshboxTypeURL.routeConfiguration: "meshbox.RouteConfiguration"
        case MeshboxTypeURL.cluster: "meshbox.Cluster"
        case MeshboxTypeURL.clusterLoadAssignment: "meshbox.ClusterLoadAssignment"
        case MeshboxTypeURL.secret: "meshbox.Secret"
        case MeshboxTypeURL.workload: "meshbox.Workload"
        default: "other"
        }
    }

    /// The type URLs the server serves; a request for another ends the stream (nothing of it
    /// would be kept per stream and per node, however many a client made up).
    static let served = Set(XDSTypeURL.pushOrder + MeshboxTypeURL.pushOrder)

    /// A client's NACK message, cut to what logs and the node status keep (a client could send
    /// megabytes, again and again on the same nonce).
    static func bounded(_ message: String) -> String {
        message.count <= 1024 ? message : String(message.prefix(1024)) + "…"
    }
}
