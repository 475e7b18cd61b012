public import Foundation
public import MeshCore
public import MeshModel
public import MeshXDS
public import SwiftProtobuf

/// The meshbox.v1 resources a node holds, per type URL and name, with the version the server
/// gave each: what it rebuilds its snapshot from, what it persists, and what it presents as
/// `initial_resource_versions` when it reconnects (so the server sends only differences).
public struct HeldResources: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var version: String
        /// The serialized meshbox.v1 message (the `Any`'s value).
        public var value: Data

        public init(version: String, value: Data) {
            self.version = version
            self.value = value
        }
    }

    /// Type URL → name → entry.
    public private(set) var byType: [String: [String: Entry]] = [:]
    /// The types the server has answered at least once (an answered type may hold nothing).
    public private(set) var answeredTypes: Set<String> = []
    /// The control plane's `system_version_info` of the last applied response.
    public var systemVersion: String = ""
    /// The node's own version of the snapshot they make (grows with each change it applied).
    public var snapshotVersion: UInt64 = 0

    public init() {}

    /// Every meshbox type has been answered: the resources make a whole snapshot. Workloads may be
    /// missing from resources a node persisted before it knew that type: the node then serves the
    /// rest and refuses inbound connections until the control plane sends them.
    public var isComplete: Bool {
        MeshboxTypeURL.pushOrder.allSatisfy { answeredTypes.contains($0) || $0 == MeshboxTypeURL.workload }
    }

    /// The number of resources held, over all types.
    public var count: Int { byType.values.reduce(0) { $0 + $1.count } }

    /// Name → version of one type: a reconnect's `initial_resource_versions`.
    public func versions(of typeURL: String) -> [String: String] {
        (byType[typeURL] ?? [:]).mapValues(\.version)
    }

    /// The resources of one delta response applied: `resources` added or replaced, `removed` gone.
    /// Each resource must carry the response's type and decode into its model value, else the
    /// error names the type and resource and nothing changes.
    public mutating func apply(
        typeURL: String, resources: [(name: String, version: String, resource: Google_Protobuf_Any)],
        removed: [String]
    ) throws(MeshError) {
        guard MeshboxTypeURL.pushOrder.contains(typeURL) else {
            throw MeshError(.invalidArgument, "type_url \(typeURL): not a meshbox.v1 type this node takes")
        }
        var candidate = self
        var entries = candidate.byType[typeURL] ?? [:]
        for name in removed { entries[name] = nil }
        for (name, version, resource) in resources {
            guard !name.isEmpty else { throw MeshError(.invalidArgument, "\(typeURL): a resource without a name") }
            guard resource.typeURL == typeURL else {
                throw MeshError(.invalidArgument, "\(typeURL) \(name): the resource is a \(resource.typeURL)")
            }
            entries[name] = Entry(version: version, value: resource.value)
        }
        // Each new resource must decode; what was held already did when it arrived.
        let arrived = Dictionary(resources.map { ($0.name, $0.resource) }, uniquingKeysWith: { $1 })
        _ = try MeshboxResources.snapshot(from: [typeURL: arrived], version: 0)
        candidate.byType[typeURL] = entries
        candidate.answeredTypes.insert(typeURL)
        self = candidate
    }

    /// The snapshot these resources describe (`MeshboxResources.snapshot(from:version:)`).
    public func snapshot(version: UInt64) throws(MeshError) -> Snapshot {
        var anys: [String: [String: Google_Protobuf_Any]] = [:]
        for (typeURL, entries) in byType {
            anys[typeURL] = entries.mapValues { entry in
                var any = Google_Protobuf_Any()
                any.typeURL = typeURL
                any.value = entry.value
                return any
            }
        }
        return try MeshboxResources.snapshot(from: anys, version: version)
    }
}
