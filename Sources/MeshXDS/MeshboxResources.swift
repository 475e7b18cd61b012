public import Foundation
public import MeshCore
public import MeshModel
import MeshXDSProto
public import SwiftProtobuf

/// The type URLs of meshbox's own ADS resources (protos/meshbox/v1/node.proto): one snapshot model
/// value each, served to meshbox nodes in place of Envoy's types.
public enum MeshboxTypeURL {
    public static let listener = XDSTypeURL.url(of: Meshbox_V1_Listener.self)
    public static let routeConfiguration = XDSTypeURL.url(of: Meshbox_V1_RouteConfiguration.self)
    public static let cluster = XDSTypeURL.url(of: Meshbox_V1_Cluster.self)
    public static let clusterLoadAssignment = XDSTypeURL.url(of: Meshbox_V1_ClusterLoadAssignment.self)
    public static let secret = XDSTypeURL.url(of: Meshbox_V1_Secret.self)
    /// The node's inbound workloads (`Snapshot.workloads`, scoped to the node).
    public static let workload = XDSTypeURL.url(of: Meshbox_V1_Workload.self)

    /// Make-before-break, as `XDSTypeURL.pushOrder`: secrets, clusters, endpoints, then the inbound
    /// policy before the listeners that enforce it, listeners, routes.
    public static let pushOrder = [secret, cluster, clusterLoadAssignment, workload, listener, routeConfiguration]
}

/// A snapshot as meshbox-native ADS resources, and back: what the control plane serves a meshbox
/// node and what the node rebuilds its snapshot from. Lossless (the model's own JSON, keys
/// sorted, so equal values give equal bytes and so equal versions in every process).
public enum MeshboxResources {
    /// Each resource of the snapshot by type URL and name. Takes the snapshot as given: scope it to
    /// the node first (`Snapshot.scoped(to:)`).
    public static func resources(of snapshot: Snapshot) -> [String: [String: XDSResource]] {
        var resources: [String: [String: XDSResource]] = [:]
        for typeURL in MeshboxTypeURL.pushOrder { resources[typeURL] = [:] }
        func add(_ typeURL: String, _ name: String, _ any: Google_Protobuf_Any) {
            resources[typeURL, default: [:]][name] = XDSResource(name: name, resource: any)
        }
        for secret in snapshot.secrets {
            add(MeshboxTypeURL.secret, secret.name, pack(secret, as: Meshbox_V1_Secret.self))
        }
        for cluster in snapshot.clusters {
            add(MeshboxTypeURL.cluster, cluster.name, pack(cluster, as: Meshbox_V1_Cluster.self))
        }
        for assignment in snapshot.endpoints {
            add(
                MeshboxTypeURL.clusterLoadAssignment, assignment.clusterName,
                pack(assignment, as: Meshbox_V1_ClusterLoadAssignment.self))
        }
        for workload in snapshot.workloads {
            add(MeshboxTypeURL.workload, workload.instanceID, pack(workload, as: Meshbox_V1_Workload.self))
        }
        for listener in snapshot.listeners {
            add(MeshboxTypeURL.listener, listener.name, pack(listener, as: Meshbox_V1_Listener.self))
        }
        for configuration in snapshot.routeConfigurations {
            add(
                MeshboxTypeURL.routeConfiguration, configuration.name,
                pack(configuration, as: Meshbox_V1_RouteConfiguration.self))
        }
        return resources
    }

    /// The snapshot the resources describe, each list sorted by name as the compiler sorts it.
    /// A resource that does not decode is an error naming its type and name (the node NACKs it).
    public static func snapshot(
        from resources: [String: [String: Google_Protobuf_Any]], version: UInt64
    ) throws(MeshError) -> Snapshot {
        func decode<Value: Decodable>(_ typeURL: String, _: Value.Type) throws(MeshError) -> [Value] {
            var values: [Value] = []
            for (name, any) in (resources[typeURL] ?? [:]).sorted(by: { $0.key < $1.key }) {
                values.append(try value(Value.self, from: any, name: name))
            }
            return values
        }
        return Snapshot(
            version: version,
            listeners: try decode(MeshboxTypeURL.listener, Snapshot.Listener.self),
            routeConfigurations: try decode(MeshboxTypeURL.routeConfiguration, Snapshot.RouteConfiguration.self),
            clusters: try decode(MeshboxTypeURL.cluster, Snapshot.Cluster.self),
            endpoints: try decode(MeshboxTypeURL.clusterLoadAssignment, Snapshot.ClusterLoadAssignment.self),
            secrets: try decode(MeshboxTypeURL.secret, Snapshot.SecretReference.self),
            workloads: try decode(MeshboxTypeURL.workload, Snapshot.InboundWorkload.self))
    }

    /// One resource's model value; its `json` field must hold it.
    public static func value<Value: Decodable>(
        _: Value.Type, from any: Google_Protobuf_Any, name: String
    ) throws(MeshError) -> Value {
        // Every meshbox.v1 resource message is `bytes json = 1`; read it through one of them.
        let json: Data
        do {
            json = try Meshbox_V1_Listener(serializedBytes: any.value).json
        } catch {
            throw MeshError(.invalidArgument, "\(any.typeURL) \(name): not a meshbox.v1 resource: \(error)")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: json)
        } catch {
            throw MeshError(.invalidArgument, "\(any.typeURL) \(name): \(error)")
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static func pack<Value: Encodable, Carrier: SwiftProtobuf.Message & MeshboxJSONCarrier>(
        _ value: Value, as _: Carrier.Type
    ) -> Google_Protobuf_Any {
        var carrier = Carrier()
        // The model's values are plain data: encoding cannot fail for them.
        carrier.json = (try? encoder.encode(value)) ?? Data()
        return XDSAny.pack(carrier)
    }
}

/// The meshbox.v1 resource messages: each carries one model value as JSON.
public protocol MeshboxJSONCarrier {
    var json: Data { get set }
}

extension Meshbox_V1_Listener: MeshboxJSONCarrier {}
extension Meshbox_V1_RouteConfiguration: MeshboxJSONCarrier {}
extension Meshbox_V1_Cluster: MeshboxJSONCarrier {}
extension Meshbox_V1_ClusterLoadAssignment: MeshboxJSONCarrier {}
extension Meshbox_V1_Secret: MeshboxJSONCarrier {}
extension Meshbox_V1_Workload: MeshboxJSONCarrier {}
