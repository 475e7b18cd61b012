import MeshAPI
import MeshCore
import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf

@testable import MeshXDSServer

/// A hand-made snapshot with a gateway and a proxy listener, and the requests a meshbox node sends.
enum MeshboxNodeFixtures {
    static let web = "outbound|80||web.default.svc.cluster.local"

    /// A snapshot source the test sets.
    struct WatchSource: SnapshotSource {
        let watch: Watch<Snapshot>
        func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot> { watch.updates() }
    }

    static func snapshot(version: UInt64 = 1, endpoints: [String] = ["10.0.0.1"], secrets: [Snapshot.SecretReference] = [])
        -> Snapshot
    {
        let route = Snapshot.Route(
            name: "all", match: Snapshot.RouteMatch(), action: .route(.init(weightedClusters: [.init(name: web, weight: 100)])))
        return Snapshot(
            version: version,
            listeners: [
                Snapshot.Listener(
                    name: "0.0.0.0_8080", address: "0.0.0.0", port: 8080, protocol: .http,
                    filterChains: [.init(name: "http", destination: .http(routeConfigurationName: "http.8080"))]),
                Snapshot.Listener(
                    name: "240.240.0.1_80", address: "240.240.0.1", port: 80, protocol: .http,
                    filterChains: [.init(name: "http", destination: .http(routeConfigurationName: "web.default:80"))],
                    role: .proxy, bindToPort: false, direction: .outbound),
            ],
            routeConfigurations: [
                Snapshot.RouteConfiguration(
                    name: "http.8080", virtualHosts: [.init(name: "web", domains: ["*"], routes: [route])]),
                Snapshot.RouteConfiguration(
                    name: "web.default:80", virtualHosts: [.init(name: "web", domains: ["web"], routes: [route])]),
            ],
            clusters: [Snapshot.Cluster(name: web, serviceHost: "web.default.svc.cluster.local", port: 80)],
            endpoints: [
                Snapshot.ClusterLoadAssignment(
                    clusterName: web,
                    endpoints: endpoints.map { Snapshot.LbEndpoint(address: $0, port: 8080, health: .healthy, instanceID: $0) })
            ],
            secrets: secrets)
    }

    /// The xDS node a meshbox node sends: its name, roles and `client: meshbox`.
    static func node(_ id: String, roles: String = "gateway", client: String? = "meshbox") -> Envoy_Config_Core_V3_Node {
        var node = ADSFixtures.node(id, roles: roles)
        if let client { node.metadata.fields[DataPlaneNode.clientMetadataKey] = Google_Protobuf_Value(stringValue: client) }
        return node
    }

    /// The first request of each type a meshbox node sends (wildcard), the first one naming the node.
    static func subscribe(_ typeURL: String, node: Envoy_Config_Core_V3_Node? = nil)
        -> Envoy_Service_Discovery_V3_DeltaDiscoveryRequest
    {
        var request = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest()
        request.typeURL = typeURL
        if let node { request.node = node }
        return request
    }

    /// Subscribes to the five meshbox types in push order, ACKs each, and returns what came, by
    /// type URL and name.
    static func fetchAll(_ stream: DeltaStream, node: Envoy_Config_Core_V3_Node) async throws
        -> [String: [String: Google_Protobuf_Any]]
    {
        var received: [String: [String: Google_Protobuf_Any]] = [:]
        for (index, typeURL) in MeshboxTypeURL.pushOrder.enumerated() {
            let response = try await stream.exchange(subscribe(typeURL, node: index == 0 ? node : nil))
            guard response.typeURL == typeURL else {
                throw TestFailure("asked for \(typeURL), got \(response.typeURL)")
            }
            received[typeURL] = Dictionary(uniqueKeysWithValues: response.resources.map { ($0.name, $0.resource) })
            var ack = Envoy_Service_Discovery_V3_DeltaDiscoveryRequest()
            ack.typeURL = typeURL
            ack.responseNonce = response.nonce
            stream.send(ack)
        }
        return received
    }
}
