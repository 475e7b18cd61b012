import MeshXDSProto
public import SwiftProtobuf

/// The type URLs of the resources meshbox serves over xDS (`type.googleapis.com/` + the full proto name).
public enum XDSTypeURL {
    public static let prefix = "type.googleapis.com/"
    public static let listener = url(of: Envoy_Config_Listener_V3_Listener.self)
    public static let routeConfiguration = url(of: Envoy_Config_Route_V3_RouteConfiguration.self)
    public static let cluster = url(of: Envoy_Config_Cluster_V3_Cluster.self)
    public static let clusterLoadAssignment = url(of: Envoy_Config_Endpoint_V3_ClusterLoadAssignment.self)
    public static let secret = url(of: Envoy_Extensions_TransportSockets_Tls_V3_Secret.self)

    /// In the order a server pushes them for make-before-break (xds-subset.md §6.2): clusters,
    /// endpoints, listeners, routes; secrets first, since both clusters and listeners refer to them.
    public static let pushOrder = [secret, cluster, clusterLoadAssignment, listener, routeConfiguration]

    public static func url(of type: any SwiftProtobuf.Message.Type) -> String { prefix + type.protoMessageName }
}
