import MeshXDSProto
import SwiftProtobuf

/// The type URLs the ADS server orders its pushes by.
///
/// MeshXDS's `XDSTypeURL` says the same; this server target does not depend on MeshXDS yet (it
/// was not in the package when the server was written), so it keeps its own copy of the order.
enum ADSTypeURL {
    static let prefix = "type.googleapis.com/"
    static let listener = url(of: Envoy_Config_Listener_V3_Listener.self)
    static let routeConfiguration = url(of: Envoy_Config_Route_V3_RouteConfiguration.self)
    static let cluster = url(of: Envoy_Config_Cluster_V3_Cluster.self)
    static let clusterLoadAssignment = url(of: Envoy_Config_Endpoint_V3_ClusterLoadAssignment.self)
    static let secret = url(of: Envoy_Extensions_TransportSockets_Tls_V3_Secret.self)

    /// Make-before-break (xds-subset.md §6.2): secrets, clusters, endpoints, listeners, routes;
    /// anything else after them, by name.
    static let pushOrder = [secret, cluster, clusterLoadAssignment, listener, routeConfiguration]

    /// Types whose SotW subscription is wildcard when the request names nothing.
    static let wildcardByDefault: Set<String> = [cluster, listener]

    static func ordered(_ types: some Sequence<String>) -> [String] {
        let rank = Dictionary(uniqueKeysWithValues: pushOrder.enumerated().map { ($1, $0) })
        return types.sorted { (rank[$0] ?? pushOrder.count, $0) < (rank[$1] ?? pushOrder.count, $1) }
    }

    static func url(of type: any SwiftProtobuf.Message.Type) -> String { prefix + type.protoMessageName }

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
}
