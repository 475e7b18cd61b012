import MeshXDSProto
import SwiftProtobuf

@testable import MeshXDSServer

/// Small Envoy resources for the server's tests, and requests as Envoy sends them.
enum ADSFixtures {
    static let cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
    static let endpoints = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
    static let listener = "type.googleapis.com/envoy.config.listener.v3.Listener"
    static let route = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"

    /// What a test serves: clusters (EDS over ADS), their endpoints, listeners with RDS, routes.
    struct Mesh: Sendable {
        var clusters: [String: Int64] = [:]  // name → connect timeout in seconds (0 is invalid for Envoy)
        var endpoints: [String: Int] = [:]  // cluster name → port on 127.0.0.1
        var listeners: [String: (port: Int, route: String)] = [:]
        var routes: [String: String] = [:]  // route configuration name → cluster
        var version = "v1"

        var resources: XDSServedResources {
            var set = XDSServedResources(systemVersion: version)
            for (name, timeout) in clusters {
                set.insert(name: name, body: ADSFixtures.any(ADSFixtures.cluster(name, timeout: timeout)))
            }
            for (name, port) in endpoints {
                set.insert(name: name, body: ADSFixtures.any(ADSFixtures.loadAssignment(name, port: port)))
            }
            for (name, listener) in listeners {
                set.insert(
                    name: name,
                    body: ADSFixtures.any(ADSFixtures.listener(name, port: listener.port, route: listener.route))
                )
            }
            for (name, cluster) in routes {
                set.insert(name: name, body: ADSFixtures.any(ADSFixtures.route(name, cluster: cluster)))
            }
            return set
        }
    }

    static func any(_ message: some SwiftProtobuf.Message) -> Google_Protobuf_Any {
        try! Google_Protobuf_Any(message: message)
    }

    static func cluster(_ name: String, timeout: Int64 = 1) -> Envoy_Config_Cluster_V3_Cluster {
        var cluster = Envoy_Config_Cluster_V3_Cluster()
        cluster.name = name
        cluster.type = .eds
        cluster.edsClusterConfig.edsConfig.ads = .init()
        cluster.edsClusterConfig.edsConfig.resourceApiVersion = .v3
        cluster.connectTimeout = .init(seconds: timeout)
        return cluster
    }

    static func loadAssignment(_ name: String, port: Int) -> Envoy_Config_Endpoint_V3_ClusterLoadAssignment {
        var endpoint = Envoy_Config_Endpoint_V3_LbEndpoint()
        endpoint.endpoint.address.socketAddress.address = "127.0.0.1"
        endpoint.endpoint.address.socketAddress.portValue = UInt32(port)
        var locality = Envoy_Config_Endpoint_V3_LocalityLbEndpoints()
        locality.lbEndpoints = [endpoint]
        var assignment = Envoy_Config_Endpoint_V3_ClusterLoadAssignment()
        assignment.clusterName = name
        assignment.endpoints = [locality]
        return assignment
    }

    static func listener(_ name: String, port: Int, route: String) -> Envoy_Config_Listener_V3_Listener {
        var manager = Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpConnectionManager()
        manager.statPrefix = name
        manager.rds.routeConfigName = route
        manager.rds.configSource.ads = .init()
        manager.rds.configSource.resourceApiVersion = .v3
        var router = Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpFilter()
        router.name = "envoy.filters.http.router"
        router.typedConfig = any(Envoy_Extensions_Filters_Http_Router_V3_Router())
        manager.httpFilters = [router]
        var filter = Envoy_Config_Listener_V3_Filter()
        filter.name = "envoy.filters.network.http_connection_manager"
        filter.typedConfig = any(manager)
        var chain = Envoy_Config_Listener_V3_FilterChain()
        chain.filters = [filter]
        var listener = Envoy_Config_Listener_V3_Listener()
        listener.name = name
        listener.address.socketAddress.address = "127.0.0.1"
        listener.address.socketAddress.portValue = UInt32(port)
        listener.filterChains = [chain]
        return listener
    }

    static func route(_ name: String, cluster: String) -> Envoy_Config_Route_V3_RouteConfiguration {
        var route = Envoy_Config_Route_V3_Route()
        route.match.prefix = "/"
        route.route.cluster = cluster
        var host = Envoy_Config_Route_V3_VirtualHost()
        host.name = "all"
        host.domains = ["*"]
        host.routes = [route]
        var configuration = Envoy_Config_Route_V3_RouteConfiguration()
        configuration.name = name
        configuration.virtualHosts = [host]
        return configuration
    }

    static func node(_ id: String, roles: String? = nil) -> Envoy_Config_Core_V3_Node {
        var node = Envoy_Config_Core_V3_Node()
        node.id = id
        if let roles { node.metadata.fields["roles"] = Google_Protobuf_Value(stringValue: roles) }
        return node
    }

    /// What Envoy puts in `error_detail` when it rejects a response (code 13, INTERNAL).
    static func rejection(_ message: String) -> Google_Rpc_Status {
        var status = Google_Rpc_Status()
        status.code = 13
        status.message = message
        return status
    }

    static func sotw(
        _ typeURL: String,
        names: [String] = [],
        version: String = "",
        nonce: String = "",
        nack: String? = nil,
        node: String? = nil
    ) -> Envoy_Service_Discovery_V3_DiscoveryRequest {
        var request = Envoy_Service_Discovery_V3_DiscoveryRequest()
        request.typeURL = typeURL
        request.resourceNames = names
        request.versionInfo = version
        request.responseNonce = nonce
        if let nack { request.errorDetail = rejection(nack) }
        if let node { request.node = Self.node(node) }
        return request
    }

    static func delta(
        _ typeURL: String,
        subscribe: [String] = [],
        unsubscribe: [String] = [],
        initial: [String: String] = [:],
        nonce: String = "",
        nack: String? = nil,
        node: String? = nil
    ) -> Envoy_Service_Discovery_V3_DeltaDiscoveryRequest {
        var request = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest()
        request.typeURL = typeURL
        request.resourceNamesSubscribe = subscribe
        request.resourceNamesUnsubscribe = unsubscribe
        request.initialResourceVersions = initial
        request.responseNonce = nonce
        if let nack { request.errorDetail = rejection(nack) }
        if let node { request.node = Self.node(node) }
        return request
    }
}

extension Envoy_Service_Discovery_V3_DeltaDiscoveryResponse {
    var names: [String] { resources.map(\.name) }
}

extension Envoy_Service_Discovery_V3_DiscoveryResponse {
    /// The names of the resources, decoded from their `Any`s.
    var names: [String] {
        resources.map { any in
            if let cluster = try? Envoy_Config_Cluster_V3_Cluster(unpackingAny: any) { return cluster.name }
            if let assignment = try? Envoy_Config_Endpoint_V3_ClusterLoadAssignment(unpackingAny: any) {
                return assignment.clusterName
            }
            if let listener = try? Envoy_Config_Listener_V3_Listener(unpackingAny: any) { return listener.name }
            if let route = try? Envoy_Config_Route_V3_RouteConfiguration(unpackingAny: any) { return route.name }
            return "?"
        }
    }
}
