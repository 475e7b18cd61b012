import MeshXDS

/// How the ADS server orders and names the type URLs of `XDSTypeURL`.
enum ADSTypeURL {
    static let listener = XDSTypeURL.listener
    static let routeConfiguration = XDSTypeURL.routeConfiguration
    static let cluster = XDSTypeURL.cluster
    static let clusterLoadAssignment = XDSTypeURL.clusterLoadAssignment
    static let secret = XDSTypeURL.secret

    /// Types whose SotW subscription is wildcard when the request names nothing.
    static let wildcardByDefault: Set<String> = [cluster, listener]

    /// Make-before-break (`XDSTypeURL.pushOrder`: secrets, clusters, endpoints, listeners,
    /// routes); anything else after them, by name.
    static func ordered(_ types: some Sequence<String>) -> [String] {
        let order = XDSTypeURL.pushOrder
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return types.sorted { (rank[$0] ?? order.count, $0) < (rank[$1] ?? order.count, $1) }
    }

    /// A short, bounded name for logs and metric labels: `Cluster`, `Listener`, …
    static func shortName(_ typeURL: String) -> String {
        switch typeURL {
        case listener: "Listener"
        case routeConfiguration: "RouteConfiguration"
        case cluster: "Cluster"
        case clusterLoadAssignment: "ClusterLoadAssignment"
        case secret: "Secret"
        default: "other"
        }
    }

    /// The type URLs the server serves; a request for another ends the stream (nothing of it
    /// would be kept per stream and per node, however many a client made up).
    static let served = Set(XDSTypeURL.pushOrder)

    /// A client's NACK message, cut to what logs and the node status keep (a client could send
    /// megabytes, again and again on the same nonce).
    static func bounded(_ message: String) -> String {
        message.count <= 1024 ? message : String(message.prefix(1024)) + "…"
    }
}
