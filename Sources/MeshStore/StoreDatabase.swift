import Foundation
import GRDB
import MeshAPI
import MeshCore
import MeshModel

/// One row change of a write transaction, worked out by `ConfigStore` from its cache before
/// the transaction runs, so the transaction itself only writes.
struct PendingChange: Sendable {
    var key: ResourceKey
    var action: HistoryEntry.Action
    /// The resource row after the change; nil when the change deletes the resource.
    var stored: StoredResource?
    /// `stored.resource` as JSON; nil for a deletion.
    var body: String?
}

/// A row of `history`, body still as JSON text (decoded by the actor, which owns the decoder).
struct HistoryRow: Sendable {
    var revision: Int64
    var action: String
    var body: String?
    var timestampMillis: Int64
}

/// A row of `resources`, body still as JSON text.
struct ResourceRow: Sendable {
    var body: String
    var revision: Int64
    var createRevision: Int64
    var version: Int64
    var updatedAtMillis: Int64
}

/// What history knows about one resource at a past revision.
struct PastState: Sendable {
    var key: ResourceKey
    /// Revision of the resource's first creation; nil if it never existed.
    var firstRevision: Int64?
    /// Its newest retained history entry at or before the revision asked for.
    var entry: HistoryRow?
}

/// The SQL side of the config store: schema and the statements of each operation. Every
/// function runs inside a GRDB access the caller opened (so a write is one transaction).
enum StoreDatabase {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { table in
                table.primaryKey("key", .text)
                table.column("value", .integer).notNull()
            }
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('revision', 0)")
            try db.create(table: "resources") { table in
                table.column("kind", .text).notNull()
                table.column("namespace", .text).notNull()
                table.column("name", .text).notNull()
                table.column("body", .text).notNull()
                table.column("revision", .integer).notNull()
                table.column("create_revision", .integer).notNull()
                table.column("version", .integer).notNull()
                table.column("updated_at", .integer).notNull()  // milliseconds since 1970
                table.primaryKey(["kind", "namespace", "name"])
            }
            try db.create(table: "history") { table in
                table.column("kind", .text).notNull()
                table.column("namespace", .text).notNull()
                table.column("name", .text).notNull()
                table.column("revision", .integer).notNull()
                table.column("action", .text).notNull()
                table.column("body", .text)  // NULL for a deletion
                table.column("timestamp", .integer).notNull()  // milliseconds since 1970
                table.primaryKey(["kind", "namespace", "name", "revision"])
            }
            try db.create(index: "history_by_revision", on: "history", columns: ["revision"])
            // The revision at which each key was first created. It survives history pruning,
            // which is how a rollback tells "did not exist then" from "history pruned".
            try db.create(table: "history_origin") { table in
                table.column("kind", .text).notNull()
                table.column("namespace", .text).notNull()
                table.column("name", .text).notNull()
                table.column("first_revision", .integer).notNull()
                table.primaryKey(["kind", "namespace", "name"])
            }
        }
        migrator.registerMigration("v2-vips") { db in
            // Service VIPs: fixed (`spec.vip`) and allocated. The primary key is what makes an
            // address belong to one owner at most, whatever the code above it does.
            try db.create(table: "vips") { table in
                table.primaryKey("address", .text)
                table.column("kind", .text).notNull()
                table.column("namespace", .text).notNull()
                table.column("name", .text).notNull()
                table.column("host", .text)  // a ServiceEntry host; NULL for a Service
                table.column("fixed", .integer).notNull()
            }
            try db.create(index: "vips_by_owner", on: "vips", columns: ["kind", "namespace", "name"])
        }
        return migrator
    }

    /// Every VIP row, by owner.
    static func vips(_ db: Database) throws -> [ResourceKey: [VIPAssignment]] {
        var result: [ResourceKey: [VIPAssignment]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT kind, namespace, name, host, address, fixed FROM vips") {
            let kindName: String = row[0]
            guard let kind = ResourceKind(rawValue: kindName) else {
                throw MeshError(.internal, "config store VIPs hold unknown kind \(kindName)")
            }
            let key = ResourceKey(kind: kind, namespace: row[1], name: row[2])
            result[key, default: []].append(VIPAssignment(host: row[3], address: row[4], fixed: row[5]))
        }
        return result
    }

    /// Makes each key's VIP rows equal `vips[key]`: every key's old rows go first, so an
    /// address one owner frees another may take in the same transaction.
    static func replaceVIPs(_ db: Database, _ vips: [ResourceKey: [VIPAssignment]]) throws {
        let remove = try db.cachedStatement(sql: "DELETE FROM vips WHERE kind = ? AND namespace = ? AND name = ?")
        for key in vips.keys {
            try remove.execute(arguments: [key.kind.rawValue, key.namespace, key.name])
        }
        let insert = try db.cachedStatement(
            sql: "INSERT INTO vips(address, kind, namespace, name, host, fixed) VALUES (?, ?, ?, ?, ?, ?)"
        )
        for (key, list) in vips {
            for vip in list {
                try insert.execute(arguments: [vip.address, key.kind.rawValue, key.namespace, key.name, vip.host, vip.fixed])
            }
        }
    }

    static func revision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'revision'") ?? 0
    }

    static func resources(_ db: Database) throws -> [ResourceRow] {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT body, revision, create_revision, version, updated_at FROM resources"
        )
        return rows.map { row in
            ResourceRow(
                body: row[0],
                revision: row[1],
                createRevision: row[2],
                version: row[3],
                updatedAtMillis: row[4]
            )
        }
    }

    /// Writes one transaction's changes at `revision`, which must be `previous + 1`.
    static func commit(
        _ db: Database,
        changes: [PendingChange],
        previous: Int64,
        revision: Int64,
        timestampMillis: Int64,
        historyDepth: Int,
        vips: [ResourceKey: [VIPAssignment]] = [:]
    ) throws {
        try db.cachedStatement(sql: "UPDATE meta SET value = ? WHERE key = 'revision' AND value = ?")
            .execute(arguments: [revision, previous])
        guard db.changesCount == 1 else {
            // Only if something outside this process wrote the file.
            throw MeshError(.conflict, "the config store file was changed by another writer")
        }
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO resources(kind, namespace, name, body, revision, create_revision, version, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(kind, namespace, name) DO UPDATE SET
                  body = excluded.body, revision = excluded.revision, create_revision = excluded.create_revision,
                  version = excluded.version, updated_at = excluded.updated_at
                """
        )
        let remove = try db.cachedStatement(sql: "DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?")
        let record = try db.cachedStatement(
            sql: """
                INSERT INTO history(kind, namespace, name, revision, action, body, timestamp)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        )
        let origin = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO history_origin(kind, namespace, name, first_revision) VALUES (?, ?, ?, ?)"
        )
        // Deletes every entry older than the `historyDepth` newest ones of the key.
        let prune = try db.cachedStatement(
            sql: """
                DELETE FROM history WHERE kind = ?1 AND namespace = ?2 AND name = ?3 AND revision <= (
                  SELECT revision FROM history WHERE kind = ?1 AND namespace = ?2 AND name = ?3
                  ORDER BY revision DESC LIMIT 1 OFFSET ?4)
                """
        )
        for change in changes {
            let kind = change.key.kind.rawValue
            let namespace = change.key.namespace
            let name = change.key.name
            if let stored = change.stored, let body = change.body {
                try upsert.execute(arguments: [
                    kind, namespace, name, body, stored.revision, stored.createRevision, stored.version,
                    timestampMillis,
                ])
            } else {
                try remove.execute(arguments: [kind, namespace, name])
            }
            try record.execute(arguments: [
                kind, namespace, name, revision, change.action.rawValue, change.body, timestampMillis,
            ])
            if change.action == .created {
                try origin.execute(arguments: [kind, namespace, name, revision])
            }
            try prune.execute(arguments: [kind, namespace, name, historyDepth])
        }
        try replaceVIPs(db, vips)
    }

    /// The key's retained history, newest first.
    static func history(_ db: Database, key: ResourceKey) throws -> [HistoryRow] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT revision, action, body, timestamp FROM history
                WHERE kind = ? AND namespace = ? AND name = ? ORDER BY revision DESC
                """,
            arguments: [key.kind.rawValue, key.namespace, key.name]
        )
        return rows.map { row in
            HistoryRow(revision: row[0], action: row[1], body: row[2], timestampMillis: row[3])
        }
    }

    /// What history says about `key` as of `revision`.
    static func pastState(_ db: Database, key: ResourceKey, at revision: Int64) throws -> PastState {
        let first = try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT first_revision FROM history_origin WHERE kind = ? AND namespace = ? AND name = ?"
            ),
            arguments: [key.kind.rawValue, key.namespace, key.name]
        )
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT revision, action, body, timestamp FROM history
                    WHERE kind = ? AND namespace = ? AND name = ? AND revision <= ?
                    ORDER BY revision DESC LIMIT 1
                    """
            ),
            arguments: [key.kind.rawValue, key.namespace, key.name, revision]
        )
        let entry = row.map { row in
            HistoryRow(revision: row[0], action: row[1], body: row[2], timestampMillis: row[3])
        }
        return PastState(key: key, firstRevision: first, entry: entry)
    }

    /// Every key written after `revision`: the only ones whose state may differ from then.
    static func keysChanged(_ db: Database, after revision: Int64) throws -> [ResourceKey] {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT DISTINCT kind, namespace, name FROM history WHERE revision > ?",
            arguments: [revision]
        )
        return try rows.map { row in
            let kindName: String = row[0]
            guard let kind = ResourceKind(rawValue: kindName) else {
                throw MeshError(.internal, "config store history holds unknown kind \(kindName)")
            }
            return ResourceKey(kind: kind, namespace: row[1], name: row[2])
        }
    }
}
