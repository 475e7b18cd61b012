public import Foundation
public import MeshCore

#if canImport(Glibc)
    import Glibc
#endif

/// `meshbox backup FILE`: one file holding a consistent snapshot of each database of a data
/// directory and the state files that matter (`DataDirectoryLayout`), with a manifest. meshbox
/// may be running and writing meanwhile; no lock is taken.
public enum DataDirectoryBackup {
    /// What a backup holds.
    public struct Summary: Sendable {
        public var manifest: BackupManifest
        /// Bytes of the backup file.
        public var size: Int
    }

    /// Writes the backup of `dataDirectory` to `output` (mode 0600, replaced atomically).
    ///
    /// - Throws: `MeshError` `.invalidArgument` when `dataDirectory` is missing or holds no
    ///   meshbox state, `.io` for a database or file that cannot be read or an output that
    ///   cannot be written (each naming the path).
    public static func write(
        dataDirectory: String,
        to output: String,
        meshboxVersion: String,
        now: Date = Date()
    ) throws -> Summary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataDirectory, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw MeshError(.invalidArgument, "--data-dir \(dataDirectory): no such directory")
        }
        let scratch = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var members: [BackupArchive.Member] = []
        var databases: [BackupManifest.Database] = []
        for path in DataDirectoryLayout.databases
        where FileManager.default.fileExists(atPath: dataDirectory + "/" + path) {
            let copy = try BackupDatabase.snapshot(dataDirectory + "/" + path, scratch: scratch + "/snapshot.db")
            databases.append(.init(path: path, migrations: copy.migrations))
            members.append(.init(path: path, bytes: copy.bytes))
        }
        for directory in DataDirectoryLayout.directories {
            let absolute = directory.isEmpty ? dataDirectory : dataDirectory + "/" + directory
            let names = (try? FileManager.default.contentsOfDirectory(atPath: absolute)) ?? []
            for name in names.sorted() {
                let path = directory.isEmpty ? name : directory + "/" + name
                guard DataDirectoryLayout.isStateFile(path) else { continue }
                guard let bytes = FileManager.default.contents(atPath: absolute + "/" + name) else {
                    throw MeshError(.io, "\(absolute)/\(name): cannot read it (run as its owner or root)")
                }
                members.append(.init(path: path, bytes: Array(bytes)))
            }
        }
        guard !members.isEmpty else {
            throw MeshError(.invalidArgument, "--data-dir \(dataDirectory): holds no meshbox databases or keys")
        }
        let manifest = BackupManifest(
            meshboxVersion: meshboxVersion,
            createdAt: now,
            databases: databases,
            members: members
        )
        let bytes = try manifest.archive(of: members, modified: now)
        do {
            try PrivateFile.write(bytes, to: output)
        } catch {
            throw MeshError(.io, "backup file \(output): cannot write it: \(error)")
        }
        return Summary(manifest: manifest, size: bytes.count)
    }

    /// A private directory for the database copies (they hold the same secrets as the backup).
    static func scratchDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/meshbox-backup-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw MeshError(.io, "cannot create a temporary directory in \(NSTemporaryDirectory()): errno \(errno)")
        }
        return String(cString: made)
    }
}
