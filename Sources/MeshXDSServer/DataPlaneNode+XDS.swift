public import MeshCore
public import MeshModel
public import MeshXDSProto
import SwiftProtobuf

extension DataPlaneNode {
    /// The metadata key that names a node's data-plane roles: a string (`"gateway,proxy"`) or a
    /// list of strings. Absent: `gateway`, what an Envoy without meshbox metadata is.
    public static let rolesMetadataKey = "roles"

    /// The node an xDS client says it is: `Node.id`, its roles from `Node.metadata.roles`, and
    /// the other string fields of the metadata as labels.
    public init(xds node: Envoy_Config_Core_V3_Node) throws(MeshError) {
        guard !node.id.isEmpty else {
            throw MeshError(.invalidArgument, "node.id: required (the first request of a stream names its node)")
        }
        var roles = Set<DataPlaneRole>()
        var labels: [String: String] = [:]
        for (key, value) in node.metadata.fields {
            if key == Self.rolesMetadataKey {
                roles = try Self.roles(value)
            } else if case .stringValue(let text)? = value.kind {
                labels[key] = text
            }
        }
        self.init(id: node.id, roles: roles.isEmpty ? [.gateway] : roles, labels: labels)
    }

    private static func roles(_ value: Google_Protobuf_Value) throws(MeshError) -> Set<DataPlaneRole> {
        let names: [String]
        switch value.kind {
        case .stringValue(let text)?:
            names = text.split(separator: ",").map { String($0.filter { $0 != " " }) }
        case .listValue(let list)?:
            names = list.values.map { if case .stringValue(let text)? = $0.kind { text } else { "" } }
        default:
            throw MeshError(.invalidArgument, "node.metadata.roles: a string or a list of strings")
        }
        var roles = Set<DataPlaneRole>()
        for (index, name) in names.enumerated() where !name.isEmpty {
            guard let role = DataPlaneRole(rawValue: name) else {
                let known = DataPlaneRole.allCases.map(\.rawValue).joined(separator: ", ")
                throw MeshError(
                    .invalidArgument,
                    "node.metadata.roles[\(index)]: unknown role '\(name)' (one of \(known))"
                )
            }
            roles.insert(role)
        }
        return roles
    }
}
