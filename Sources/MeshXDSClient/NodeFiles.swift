public import Foundation
public import MeshCore
import Synchronization

/// The files of a remote node under `<data-dir>/node/`, each written with mode 0600 by an atomic
/// rename (they hold private keys: the node's own, and the credentials a snapshot carries inline):
/// `identity.json` (the node certificate, its key and the trust bundle) and `snapshot.json` (the
/// last good resources from the control plane).
public struct NodeFiles: Sendable {
    public let directory: String

    public init(dataDirectory: String) {
        directory = dataDirectory + "/node"
    }

    public var identityPath: String { directory + "/identity.json" }
    public var snapshotPath: String { directory + "/snapshot.json" }

    /// The stored identity; nil when there is none. A file that does not decode is an error.
    public func loadIdentity() throws(MeshError) -> NodeIdentity? {
        try load(NodeIdentity.self, from: identityPath, what: "node identity")
    }

    public func saveIdentity(_ identity: NodeIdentity) throws(MeshError) {
        try save(identity, to: identityPath, what: "node identity")
    }

    /// The persisted resources; nil when there are none.
    public func loadResources() throws(MeshError) -> HeldResources? {
        try load(HeldResources.self, from: snapshotPath, what: "last snapshot")
    }

    public func saveResources(_ resources: HeldResources) throws(MeshError) {
        try save(resources, to: snapshotPath, what: "last snapshot")
    }

    private func load<Value: Decodable>(_: Value.Type, from path: String, what: String) throws(MeshError) -> Value? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw MeshError(.configuration, "\(what) \(path): cannot read: \(error)")
        }
    }

    private func save<Value: Encodable>(_ value: Value, to path: String, what: String) throws(MeshError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try PrivateFile.write(Array(try encoder.encode(value)), to: path)
        } catch {
            throw MeshError(.internal, "\(what) \(path): cannot write: \(error)")
        }
    }
}
