import Foundation
import GRDB

/// A root as `ca.db` keeps it. The key lives in its own file (`keyFile`), never in the database.
struct RootRow: Sendable {
    enum Status: String, Sendable { case active, retiring, dropped }
    var generation: Int
    var certificatePEM: String
    /// This root cross-signed by the root it replaced; nil for the first root.
    var crossSignedPEM: String?
    var status: Status
    var keyFile: String
    var createdAt: Date
    /// The latest notAfter of the leaves this root signed; decides when a retiring root leaves the bundle.
    var lastLeafNotAfter: Date?
}

struct IssuedRow: Sendable {
    var serial: String
    var spiffeID: String
    var requester: String
    var notBefore: Date
    var notAfter: Date
    var issuedAt: Date
    var rootGeneration: Int?
}

enum TokenOutcome: Sendable {
    /// Checked, not spent yet.
    case usable
    case spent
    case unknown
    case used
    case expired
    case otherNode(String)
    /// A token made before node names were required.
    case unbound
    /// A node of this name has joined already.
    case alreadyJoined(String)
}

/// The SQL of the CA: schema and statements. Dates are stored as seconds since 1970 (REAL).
enum CADatabase {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "roots") { table in
                table.primaryKey("generation", .integer)
                table.column("certificate", .text).notNull()
                table.column("cross_signed", .text)
                table.column("status", .text).notNull()
                table.column("key_file", .text).notNull()
                table.column("created_at", .double).notNull()
                table.column("last_leaf_not_after", .double)
            }
            try db.create(table: "issued") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("serial", .text).notNull()
                table.column("spiffe_id", .text).notNull()
                table.column("requester", .text).notNull()
                table.column("not_before", .double).notNull()
                table.column("not_after", .double).notNull()
                table.column("issued_at", .double).notNull()
                table.column("root_generation", .integer)
            }
            try db.create(table: "join_tokens") { table in
                table.primaryKey("hash", .text)
                table.column("node_name", .text)
                table.column("expires_at", .double).notNull()
                table.column("created_at", .double).notNull()
                table.column("used_at", .double)
                table.column("used_by", .text)
            }
        }
        return migrator
    }

    static func roots(_ db: Database) throws -> [RootRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM roots ORDER BY generation").map { row in
            RootRow(
                generation: row["generation"], certificatePEM: row["certificate"], crossSignedPEM: row["cross_signed"],
                status: RootRow.Status(rawValue: row["status"]) ?? .dropped, keyFile: row["key_file"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                lastLeafNotAfter: (row["last_leaf_not_after"] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    static func insert(_ db: Database, root: RootRow) throws {
        try db.execute(
            sql: """
                INSERT INTO roots(generation, certificate, cross_signed, status, key_file, created_at, last_leaf_not_after)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                root.generation, root.certificatePEM, root.crossSignedPEM, root.status.rawValue, root.keyFile,
                root.createdAt.timeIntervalSince1970, root.lastLeafNotAfter?.timeIntervalSince1970,
            ])
    }

    static func setStatus(_ db: Database, generation: Int, status: RootRow.Status) throws {
        try db.execute(
            sql: "UPDATE roots SET status = ? WHERE generation = ?", arguments: [status.rawValue, generation])
    }

    /// Logs an issued certificate, raises its root's last-leaf mark, keeps the newest `keep` rows.
    static func record(_ db: Database, issued: IssuedRow, keep: Int) throws {
        try db.execute(
            sql: """
                INSERT INTO issued(serial, spiffe_id, requester, not_before, not_after, issued_at, root_generation)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                issued.serial, issued.spiffeID, issued.requester, issued.notBefore.timeIntervalSince1970,
                issued.notAfter.timeIntervalSince1970, issued.issuedAt.timeIntervalSince1970, issued.rootGeneration,
            ])
        if let generation = issued.rootGeneration {
            try db.execute(
                sql: """
                    UPDATE roots SET last_leaf_not_after = MAX(COALESCE(last_leaf_not_after, 0), ?)
                    WHERE generation = ?
                    """,
                arguments: [issued.notAfter.timeIntervalSince1970, generation])
        }
        try db.execute(
            sql: "DELETE FROM issued WHERE id <= (SELECT MAX(id) FROM issued) - ?", arguments: [max(1, keep)])
    }

    static func issued(_ db: Database, limit: Int) throws -> [IssuedRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM issued ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
            IssuedRow(
                serial: row["serial"], spiffeID: row["spiffe_id"], requester: row["requester"],
                notBefore: Date(timeIntervalSince1970: row["not_before"]),
                notAfter: Date(timeIntervalSince1970: row["not_after"]),
                issuedAt: Date(timeIntervalSince1970: row["issued_at"]), rootGeneration: row["root_generation"])
        }
    }

    static func insertToken(_ db: Database, hash: String, nodeName: String, expiresAt: Date, createdAt: Date) throws {
        try db.execute(
            sql: "INSERT INTO join_tokens(hash, node_name, expires_at, created_at) VALUES (?, ?, ?, ?)",
            arguments: [hash, nodeName, expiresAt.timeIntervalSince1970, createdAt.timeIntervalSince1970])
    }

    /// Whether the token may be spent by `nodeName` now (`.usable`), without writing.
    static func checkToken(_ db: Database, hash: String, nodeName: String, now: Date) throws -> TokenOutcome {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM join_tokens WHERE hash = ?", arguments: [hash])
        else { return .unknown }
        if (row["used_at"] as Double?) != nil { return .used }
        if now.timeIntervalSince1970 >= (row["expires_at"] as Double) { return .expired }
        guard let bound = row["node_name"] as String? else { return .unbound }
        if bound != nodeName { return .otherNode(bound) }
        if try hasJoined(db, nodeName: nodeName) { return .alreadyJoined(nodeName) }
        return .usable
    }

    /// Whether a token has been spent by a node of this name.
    static func hasJoined(_ db: Database, nodeName: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM join_tokens WHERE used_by = ?)", arguments: [nodeName]) ?? false
    }

    /// Checks and spends a token; run it in the transaction that records what the token buys, so
    /// two concurrent joins cannot both spend it and a failed issuance does not.
    static func spendToken(_ db: Database, hash: String, nodeName: String, now: Date) throws -> TokenOutcome {
        let outcome = try checkToken(db, hash: hash, nodeName: nodeName, now: now)
        guard case .usable = outcome else { return outcome }
        try db.execute(
            sql: "UPDATE join_tokens SET used_at = ?, used_by = ? WHERE hash = ?",
            arguments: [now.timeIntervalSince1970, nodeName, hash])
        return .spent
    }
}
