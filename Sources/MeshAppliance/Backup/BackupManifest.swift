import Crypto
public import Foundation
public import MeshCore

/// `manifest.json`, the first member of a backup: what made it, when, the schema of each
/// database, and the size and SHA-256 of every other member. A restore checks all of it before
/// it writes anything.
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let memberPath = "manifest.json"
    public static let formatName = "meshbox-backup"
    /// Raised when a reader of today could not restore the new layout correctly.
    public static let currentFormatVersion = 1

    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int
        /// Lowercase hex.
        public var sha256: String
    }

    public struct Database: Codable, Sendable, Equatable {
        public var path: String
        /// The GRDB migrations applied to it, in the order they ran (`grdb_migrations`).
        public var migrations: [String]

        public init(path: String, migrations: [String]) {
            self.path = path
            self.migrations = migrations
        }
    }

    public var format: String
    public var formatVersion: Int
    public var meshboxVersion: String
    /// ISO 8601, UTC.
    public var createdAt: String
    public var databases: [Database]
    public var files: [File]

    /// The manifest of `members`, hashing each.
    public init(meshboxVersion: String, createdAt: Date, databases: [Database], members: [BackupArchive.Member]) {
        format = Self.formatName
        formatVersion = Self.currentFormatVersion
        self.meshboxVersion = meshboxVersion
        self.createdAt = createdAt.formatted(Date.ISO8601FormatStyle())
        self.databases = databases
        files = members.map { File(path: $0.path, size: $0.bytes.count, sha256: Self.sha256($0.bytes)) }
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// The archive of a backup: this manifest first, then `members`.
    public func archive(of members: [BackupArchive.Member], modified: Date) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let manifest = BackupArchive.Member(path: Self.memberPath, bytes: Array(try encoder.encode(self)) + [10])
        return try BackupArchive(members: [manifest] + members, modified: Int(modified.timeIntervalSince1970)).encoded()
    }

    /// Parses a backup file's bytes and checks it whole: the archive, the manifest, that the
    /// members are exactly the files it lists, each with its size and SHA-256. Throws
    /// `.backupCorrupt` (naming the member) or `.backupUnsupported` (a newer format).
    public static func verified(_ bytes: [UInt8]) throws(MeshError) -> (BackupManifest, [BackupArchive.Member]) {
        let archive = try BackupArchive.decode(bytes)
        guard let first = archive.members.first, first.path == memberPath else {
            throw MeshError(.backupCorrupt, "the archive does not start with \(memberPath): not a meshbox backup")
        }
        let manifest: BackupManifest
        do {
            manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(first.bytes))
        } catch {
            throw MeshError(.backupCorrupt, "\(memberPath): cannot read it: \(error)")
        }
        guard manifest.format == formatName else {
            throw MeshError(.backupCorrupt, "\(memberPath).format: \"\(manifest.format)\", expected \"\(formatName)\"")
        }
        guard manifest.formatVersion <= currentFormatVersion else {
            throw MeshError(
                .backupUnsupported,
                "\(memberPath).formatVersion: \(manifest.formatVersion) (written by meshbox \(manifest.meshboxVersion)); this meshbox reads up to \(currentFormatVersion)"
            )
        }
        let members = Array(archive.members.dropFirst())
        var listed: [String: File] = [:]
        for file in manifest.files {
            guard listed.updateValue(file, forKey: file.path) == nil else {
                throw MeshError(.backupCorrupt, "\(memberPath).files: \(file.path) listed twice")
            }
        }
        var seen: Set<String> = []
        for member in members {
            guard let file = listed[member.path] else {
                throw MeshError(.backupCorrupt, "member \(member.path): not listed in \(memberPath)")
            }
            guard seen.insert(member.path).inserted else {
                throw MeshError(.backupCorrupt, "member \(member.path): in the archive twice")
            }
            guard member.bytes.count == file.size else {
                throw MeshError(
                    .backupCorrupt,
                    "member \(member.path): \(member.bytes.count) bytes, the manifest says \(file.size)"
                )
            }
            let actual = sha256(member.bytes)
            guard actual == file.sha256.lowercased() else {
                throw MeshError(
                    .backupCorrupt,
                    "member \(member.path): SHA-256 \(actual), the manifest says \(file.sha256) (damaged)"
                )
            }
        }
        if let missing = manifest.files.first(where: { !seen.contains($0.path) }) {
            throw MeshError(.backupCorrupt, "member \(missing.path): listed in \(memberPath), missing from the archive")
        }
        if let database = manifest.databases.first(where: { listed[$0.path] == nil }) {
            throw MeshError(.backupCorrupt, "\(memberPath).databases: \(database.path) is not a member")
        }
        return (manifest, members)
    }
}
