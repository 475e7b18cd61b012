import MeshModel

/// What a VirtualService's routes are compiled for: a Gateway's servers, or the mesh (the node
/// proxy's captured traffic to service VIPs), Istio's reserved gateway name `mesh`.
enum RouteBinding: Hashable {
    case gateway(ResourceKey)
    case mesh

    static let meshName = "mesh"
}
