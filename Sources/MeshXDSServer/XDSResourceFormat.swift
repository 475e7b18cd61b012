public import MeshModel

/// Which resources a node takes: Envoy's xDS messages, or meshbox's own (`meshbox.v1.*`, one
/// snapshot model value each) for a meshbox node.
public enum XDSResourceFormat: String, Sendable, Hashable, CaseIterable {
    case envoy
    case meshbox
}

extension DataPlaneNode {
    /// The metadata key a meshbox node sets to `meshbox` (`Node.metadata.client`); it arrives
    /// among the labels.
    public static let clientMetadataKey = "client"

    /// `meshbox` when the node says `client: meshbox`; anything else (an Envoy) gets Envoy's types.
    public var xdsFormat: XDSResourceFormat {
        labels[Self.clientMetadataKey] == XDSResourceFormat.meshbox.rawValue ? .meshbox : .envoy
    }
}
