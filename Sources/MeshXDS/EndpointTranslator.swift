public import MeshModel
public import MeshXDSProto
import SwiftProtobuf

/// `Snapshot.ClusterLoadAssignment` → Envoy `ClusterLoadAssignment` (EDS): one locality, every
/// endpoint with its health and weight. Unhealthy endpoints stay listed, as in the snapshot, so
/// Envoy tells "no healthy upstream" from "no such cluster".
public enum EndpointTranslator {
    public static func translate(
        _ assignment: Snapshot.ClusterLoadAssignment
    ) -> XDSTranslation<Envoy_Config_Endpoint_V3_ClusterLoadAssignment> {
        var notes = XDSNotes(typeURL: XDSTypeURL.clusterLoadAssignment, resourceName: assignment.clusterName)
        var result = Envoy_Config_Endpoint_V3_ClusterLoadAssignment()
        result.clusterName = assignment.clusterName
        var locality = Envoy_Config_Endpoint_V3_LocalityLbEndpoints()
        locality.lbEndpoints = assignment.endpoints.enumerated().map { index, endpoint in
            var lbEndpoint = Envoy_Config_Endpoint_V3_LbEndpoint()
            var envoyEndpoint = Envoy_Config_Endpoint_V3_Endpoint()
            envoyEndpoint.address = Envoy.socketAddress(endpoint.address, port: endpoint.port)
            lbEndpoint.endpoint = envoyEndpoint
            if !Envoy.isIPLiteral(endpoint.address) {
                notes.add(
                    "endpoints[\(index)].address",
                    "\(endpoint.address) is not an IP address: Envoy's EDS endpoints must be IP literals"
                )
            }
            switch endpoint.health {
            case .healthy: lbEndpoint.healthStatus = .healthy
            case .unhealthy: lbEndpoint.healthStatus = .unhealthy
            case .unknown: lbEndpoint.healthStatus = .unknown
            }
            if endpoint.weight == 0 {
                notes.add("endpoints[\(index)].weight", "Envoy takes weights ≥ 1: 1 sent")
            }
            lbEndpoint.loadBalancingWeight = Envoy.uint32(max(endpoint.weight, 1))
            return lbEndpoint
        }
        if !locality.lbEndpoints.isEmpty { result.endpoints = [locality] }
        return XDSTranslation(resource: result, notes: notes.all)
    }
}
