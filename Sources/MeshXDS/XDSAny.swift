public import Foundation
import MeshXDSProto
public import SwiftProtobuf

/// Packing into `google.protobuf.Any` with deterministic bytes.
///
/// `Google_Protobuf_Any(message:)` serializes with map entries in dictionary order, which Swift
/// randomizes per process; a resource whose bytes change between two runs would get a new version
/// and be pushed again for nothing. Every `Any` meshbox builds goes through here instead.
public enum XDSAny {
    public static let deterministic: BinaryEncodingOptions = {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        return options
    }()

    public static func pack(_ message: some SwiftProtobuf.Message) -> Google_Protobuf_Any {
        var any = Google_Protobuf_Any()
        any.typeURL = XDSTypeURL.url(of: type(of: message))
        any.value = serialize(message)
        return any
    }

    /// The message's bytes, map entries sorted by key.
    public static func serialize(_ message: some SwiftProtobuf.Message) -> Data {
        // Only fails for a message missing required fields, which proto3 has none of.
        (try? message.serializedBytes(partial: true, options: deterministic)) ?? Data()
    }

    /// Every message type meshbox puts in an `Any`, registered so that SwiftProtobuf's JSON
    /// encoding can print them (Envoy's JSON/YAML config takes them with an `@type`).
    public static func registerForJSON() {
        _ = registered
    }

    private static let registered: Bool = {
        let types: [any SwiftProtobuf.Message.Type] = [
            Envoy_Config_Listener_V3_Listener.self,
            Envoy_Config_Route_V3_RouteConfiguration.self,
            Envoy_Config_Cluster_V3_Cluster.self,
            Envoy_Config_Endpoint_V3_ClusterLoadAssignment.self,
            Envoy_Extensions_TransportSockets_Tls_V3_Secret.self,
            Envoy_Extensions_Filters_Network_HttpConnectionManager_V3_HttpConnectionManager.self,
            Envoy_Extensions_Filters_Network_TcpProxy_V3_TcpProxy.self,
            Envoy_Extensions_Filters_Http_Router_V3_Router.self,
            Envoy_Extensions_Filters_Http_Fault_V3_HTTPFault.self,
            Envoy_Extensions_Filters_Http_Cors_V3_Cors.self,
            Envoy_Extensions_Filters_Http_Cors_V3_CorsPolicy.self,
            Envoy_Extensions_Filters_Http_Rbac_V3_RBAC.self,
            Envoy_Extensions_Filters_Listener_TlsInspector_V3_TlsInspector.self,
            Envoy_Extensions_TransportSockets_Tls_V3_UpstreamTlsContext.self,
            Envoy_Extensions_TransportSockets_Tls_V3_DownstreamTlsContext.self,
            Envoy_Extensions_Upstreams_Http_V3_HttpProtocolOptions.self,
            Envoy_Extensions_Retry_Host_PreviousHosts_V3_PreviousHostsPredicate.self,
        ]
        for type in types { Google_Protobuf_Any.register(messageType: type) }
        return true
    }()
}
