import Crypto
public import SwiftProtobuf

/// What the ADS server serves one node: per type URL, each resource by name with its version.
///
/// A resource's version is a hash of its bytes, so it is the same in every process and after a
/// restart: a delta client reconnecting with `initial_resource_versions` gets only what changed.
/// The bytes must be deterministic (map entries sorted), as `XDSAny.pack` makes them.
public struct XDSServedResources: Sendable, Equatable {
    public struct Resource: Sendable, Equatable {
        public var name: String
        /// Hex of the first 8 bytes of the SHA-256 of the packed bytes.
        public var version: String
        public var body: Google_Protobuf_Any

        public init(name: String, body: Google_Protobuf_Any) {
            self.name = name
            self.body = body
            self.version = Self.contentVersion(of: body)
        }

        static func contentVersion(of body: Google_Protobuf_Any) -> String {
            var hasher = SHA256()
            hasher.update(data: Array(body.typeURL.utf8))
            hasher.update(data: [0])
            hasher.update(data: Array(body.value))
            return Self.hex(hasher.finalize().prefix(8))
        }

        static func hex(_ bytes: some Sequence<UInt8>) -> String {
            let digits = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            for byte in bytes {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0f)])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Informational: the snapshot these resources came from (`system_version_info` in delta).
    public var systemVersion: String
    /// Type URL → name → resource.
    public private(set) var byType: [String: [String: Resource]]

    public init(systemVersion: String = "", byType: [String: [String: Resource]] = [:]) {
        self.systemVersion = systemVersion
        self.byType = byType
    }

    /// Adds (or replaces) a resource under its `Any`'s type URL.
    public mutating func insert(name: String, body: Google_Protobuf_Any) {
        byType[body.typeURL, default: [:]][name] = Resource(name: name, body: body)
    }

    public func resources(of typeURL: String) -> [String: Resource] { byType[typeURL] ?? [:] }

    /// The version of a set of resources (a SotW `version_info`): a hash of their names and versions.
    static func setVersion(of resources: [Resource]) -> String {
        var hasher = SHA256()
        for resource in resources {
            hasher.update(data: Array(resource.name.utf8) + [0] + Array(resource.version.utf8) + [0])
        }
        return Resource.hex(hasher.finalize().prefix(8))
    }
}
