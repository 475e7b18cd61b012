import Foundation
import GRDB
import MeshCore

#if canImport(Glibc)
    import Glibc
#endif

/// The SQLite side of backup and restore, through GRDB.
enum BackupDatabase {
    /// A consistent copy of the database at `path` while another process may be writing it:
    /// SQLite's online backup API in one step, which reads every page inside one read
    /// transaction (a WAL reader sees one commit, whatever the writer does meanwhile).
    /// `scratch` is a file path the copy is made in, removed afterwards. Returns the copy's bytes
    /// and the migrations applied to it.
    static func snapshot(_ path: String, scratch: String) throws -> (bytes: [UInt8], migrations: [String]) {
        defer { removeDatabaseFiles(scratch) }
        let migrations: [String]
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.label = "meshbox.backup"
            let source = try DatabaseQueue(path: path, configuration: configuration)
            let copy = try DatabaseQueue(path: scratch)
            try source.backup(to: copy)
            try source.close()
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try quickCheck(copy)
            migrations = try copy.read { db in try migrationIdentifiers(db) }
            try copy.close()
        } catch let error as MeshError {
            throw error
        } catch {
            throw MeshError(.io, "\(path): cannot take a snapshot", cause: error)
        }
        guard let bytes = FileManager.default.contents(atPath: scratch) else {
            throw MeshError(.io, "\(scratch): cannot read the snapshot back")
        }
        return (Array(bytes), migrations)
    }

    /// The GRDB migrations applied to the database at `path`, in the order they ran.
    static func appliedMigrations(_ path: String) throws -> [String] {
        do {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in try migrationIdentifiers(db) }
        } catch {
            throw MeshError(.io, "\(path): cannot read its schema version", cause: error)
        }
    }

    private static func migrationIdentifiers(_ db: Database) throws -> [String] {
        guard try db.tableExists("grdb_migrations") else { return [] }
        return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
    }

    /// `PRAGMA quick_check` on the database at `path`.
    static func check(_ path: String) throws {
        do {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            try quickCheck(queue)
        } catch let error as MeshError {
            throw error
        } catch {
            throw MeshError(.backupCorrupt, "\(path): not a readable SQLite database", cause: error)
        }
    }

    private static func quickCheck(_ queue: DatabaseQueue) throws {
        let verdict = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        guard verdict == ["ok"] else {
            throw MeshError(
                .backupCorrupt,
                "\(queue.path): integrity check failed: \(verdict.prefix(3).joined(separator: "; "))"
            )
        }
    }

    /// `ca.db` names each root's key file by absolute path: after a restore into `caDirectory`
    /// (another path, another host) each points at its file of the same name there.
    static func relocateRootKeys(caDatabase path: String, to caDirectory: String) throws {
        do {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            try queue.write { db in
                guard try db.tableExists("roots") else { return }
                let rows = try Row.fetchAll(db, sql: "SELECT generation, key_file FROM roots")
                for row in rows {
                    let keyFile: String = row["key_file"]
                    let name = keyFile.split(separator: "/").last.map(String.init) ?? keyFile
                    try db.execute(
                        sql: "UPDATE roots SET key_file = ? WHERE generation = ?",
                        arguments: [caDirectory + "/" + name, row["generation"] as Int]
                    )
                }
            }
        } catch {
            throw MeshError(.io, "\(path): cannot point the roots at their key files in \(caDirectory)", cause: error)
        }
    }

    static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }
}
