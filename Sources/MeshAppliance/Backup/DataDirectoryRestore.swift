public import Foundation
public import MeshCore

#if canImport(Glibc)
    import Glibc
#endif

/// `meshbox restore FILE`: a backup back into a data directory no meshbox process uses.
///
/// Order: the whole file is verified (archive, manifest, every member's SHA-256), written into a
/// staging directory next to the target and checked there (SQLite integrity, schema not newer
/// than this binary); only then is the target swapped in by renames. Any failure before the swap
/// leaves the target as it was. A non-empty target is moved aside with `force`, never deleted.
public enum DataDirectoryRestore {
    public struct Summary: Sendable {
        public var manifest: BackupManifest
        /// The absolute path restored into.
        public var directory: String
        /// Where the target's previous contents went (with `force`).
        public var previous: String?
    }

    /// - Throws: `MeshError` `.backupCorrupt` / `.backupUnsupported` for the file,
    ///   `.conflict` when a meshbox process holds the target or it is not empty without `force`,
    ///   `.io` for files that cannot be read or written (each naming the path).
    public static func restore(
        backup file: String,
        into target: String,
        force: Bool,
        now: Date = Date()
    ) async throws -> Summary {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw MeshError(
                .invalidArgument,
                "backup file \(file): cannot read it (\(String(cString: strerror(errno))))"
            )
        }
        let (manifest, members) = try BackupManifest.verified(Array(data))
        for member in members {
            guard DataDirectoryLayout.databases.contains(member.path) || DataDirectoryLayout.isStateFile(member.path)
            else {
                throw MeshError(.backupUnsupported, "member \(member.path): not a file this meshbox restores")
            }
        }
        let directory = absolute(target)
        let lock = try RestoreTargetLock(directory: directory)
        defer { lock.release() }
        let existing = try? FileManager.default.contentsOfDirectory(atPath: directory)
        if let existing, !existing.isEmpty, !force {
            throw MeshError(
                .conflict,
                "data dir \(directory): not empty (\(existing.count) \(existing.count == 1 ? "entry" : "entries")); --force moves it aside to \(directory).before-restore-<time> and restores"
            )
        }
        let owner = existing == nil ? nil : ownerAndMode(of: directory)
        let staging = directory + ".restoring-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try await stage(members, in: staging, finalDirectory: directory, mode: owner?.mode ?? 0o700)
            if let owner { try chownTree(staging, uid: owner.uid, gid: owner.gid) }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        var previous: String?
        if let existing {
            if existing.isEmpty {
                rmdir(directory)
            } else {
                let aside = directory + ".before-restore-" + stamp(now)
                guard rename(directory, aside) == 0 else {
                    let reason = String(cString: strerror(errno))
                    try? FileManager.default.removeItem(atPath: staging)
                    throw MeshError(.io, "data dir \(directory): cannot move it aside to \(aside): \(reason)")
                }
                previous = aside
            }
        }
        guard rename(staging, directory) == 0 else {
            let reason = String(cString: strerror(errno))
            if let previous { rename(previous, directory) }
            try? FileManager.default.removeItem(atPath: staging)
            throw MeshError(.io, "data dir \(directory): cannot move the restored files into place: \(reason)")
        }
        syncDirectory(parent(of: directory))
        return Summary(manifest: manifest, directory: directory, previous: previous)
    }

    /// Writes the members under `staging` (0700 directories, 0600 files), points the CA's roots
    /// at their key files under `finalDirectory`, and checks each database.
    static func stage(_ members: [BackupArchive.Member], in staging: String, finalDirectory: String, mode: mode_t)
        async throws
    {
        try makeDirectory(staging, mode: mode)
        for member in members {
            let path = staging + "/" + member.path
            let folder = parent(of: path)
            if folder != staging { try makeDirectory(folder, mode: 0o700) }
            do {
                try PrivateFile.write(member.bytes, to: path)
            } catch {
                throw MeshError(.io, "\(path): cannot write it: \(error)")
            }
        }
        let known = try await SchemaProbe.knownMigrations()
        for database in DataDirectoryLayout.databases
        where FileManager.default.fileExists(atPath: staging + "/" + database) {
            let path = staging + "/" + database
            try BackupDatabase.check(path)
            let applied = try BackupDatabase.appliedMigrations(path)
            let knows = known[database] ?? []
            let unknown = applied.filter { !knows.contains($0) }
            guard unknown.isEmpty else {
                throw MeshError(
                    .backupUnsupported,
                    "\(database): schema has migrations \(unknown.joined(separator: ", ")) that this meshbox (\(MeshboxVersion.current)) does not know; it knows \(knows.joined(separator: ", ")); restore with a meshbox at least as new as the one that wrote the backup"
                )
            }
        }
        if FileManager.default.fileExists(atPath: staging + "/ca/ca.db") {
            try BackupDatabase.relocateRootKeys(caDatabase: staging + "/ca/ca.db", to: finalDirectory + "/ca")
        }
    }

    private static func makeDirectory(_ path: String, mode: mode_t) throws {
        if FileManager.default.fileExists(atPath: path) { return }
        guard mkdir(path, mode) == 0, chmod(path, mode) == 0 else {
            throw MeshError(.io, "\(path): cannot create the directory: \(String(cString: strerror(errno)))")
        }
    }

    private static func ownerAndMode(of path: String) -> (uid: uid_t, gid: gid_t, mode: mode_t)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let uid = attributes[.ownerAccountID] as? NSNumber, let gid = attributes[.groupOwnerAccountID] as? NSNumber,
            let mode = attributes[.posixPermissions] as? NSNumber
        else { return nil }
        return (uid_t(uid.uint32Value), gid_t(gid.uint32Value), mode_t(mode.uint32Value & 0o7777))
    }

    /// Gives every file and directory under `root` the target's owner (a restore run as root
    /// for a service that runs as its own user).
    private static func chownTree(_ root: String, uid: uid_t, gid: gid_t) throws {
        let below = (FileManager.default.subpaths(atPath: root) ?? []).map { root + "/" + $0 }
        for path in [root] + below where lchown(path, uid, gid) != 0 {
            throw MeshError(.io, "\(path): cannot give it owner \(uid):\(gid): \(String(cString: strerror(errno)))")
        }
    }

    static func absolute(_ path: String) -> String {
        var trimmed = path
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasPrefix("/") { return trimmed }
        return FileManager.default.currentDirectoryPath + "/" + trimmed
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func stamp(_ date: Date) -> String {
        let format = Date.ISO8601FormatStyle().year().month().day().dateSeparator(.omitted).time(
            includingFractionalSeconds: false
        )
        .timeSeparator(.omitted)
        return date.formatted(format)
    }

    private static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
