public import MeshXDS
public import SwiftProtobuf

/// What the ADS server serves one node: per type URL, each resource by name with its version.
///
/// A resource's version is a hash of its bytes (`XDSResource`), so it is the same in every
/// process and after a restart: a delta client reconnecting with `initial_resource_versions`
/// gets only what changed. Usually made from MeshXDS's translation of a snapshot
/// (`init(_:systemVersion:)`); `insert` is for resources made otherwise (tests).
public struct XDSServedResources: Sendable, Equatable {
    /// Informational: the snapshot these resources came from (`system_version_info` in delta).
    public var systemVersion: String
    /// Type URL → name → resource.
    public private(set) var byType: [String: [String: XDSResource]]

    public init(systemVersion: String = "", byType: [String: [String: XDSResource]] = [:]) {
        self.systemVersion = systemVersion
        self.byType = byType
    }

    /// A snapshot's translation.
    public init(_ set: XDSResourceSet, systemVersion: String) {
        self.init(systemVersion: systemVersion, byType: set.resources)
    }

    /// Adds (or replaces) a resource under its `Any`'s type URL.
    public mutating func insert(name: String, body: Google_Protobuf_Any) {
        byType[body.typeURL, default: [:]][name] = XDSResource(name: name, resource: body)
    }

    public func resources(of typeURL: String) -> [String: XDSResource] { byType[typeURL] ?? [:] }

    /// The version of a set of resources (a SotW `version_info`): a hash of their names and versions.
    static func setVersion(of resources: [XDSResource]) -> String {
        var bytes: [UInt8] = []
        for resource in resources {
            bytes += Array(resource.name.utf8) + [0] + Array(resource.version.utf8) + [0]
        }
        return XDSResource.version(of: bytes)
    }
}
