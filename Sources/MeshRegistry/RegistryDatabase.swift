import Foundation
import GRDB
import MeshAPI
import MeshCore

/// API registrations in SQLite (WAL through `DatabasePool`). Health is not stored: it is
/// re-learned after a restart. ServiceEntry instances are not stored: they come from config.
///
/// Writes are synchronous on purpose: the registry actor calls them without suspending, so the
/// table and the in-memory state change in the same order, with no reentrancy in between.
struct RegistryDatabase: Sendable {
    struct Row: Sendable {
        var registration: InstanceRegistration
        var registeredAt: Date
    }

    private let pool: DatabasePool

    init(path: String) throws {
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try PrivateFile.prepareDatabase(path)
            var configuration = Configuration()
            // WAL + NORMAL survives a process crash; a power cut may lose the last registrations,
            // which agents send again. One fsync per registration would make bulk loads slow.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            pool = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.create(table: "instance") { table in
                    table.primaryKey("id", .text)
                    table.column("registration", .blob).notNull()
                    table.column("registered_at", .double).notNull()
                }
            }
            migrator.registerMigration("v2-service-account") { db in try Self.addServiceAccounts(db) }
            try migrator.migrate(pool)
        } catch {
            throw MeshError(.io, "cannot open the registry database at \(path)", cause: error)
        }
    }

    /// Registrations stored before instances had a service account get one: the `serviceAccount`
    /// label that stood for it until then (docs/gateway.md said so) when it is a valid one, else
    /// `default`. The JSON is edited as a dictionary, so fields this version does not know survive.
    static func addServiceAccounts(_ db: Database) throws {
        let rows = try GRDB.Row.fetchAll(db, sql: "SELECT id, registration FROM instance")
        for row in rows {
            let data: Data = row["registration"]
            guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                object["serviceAccount"] == nil
            else { continue }
            let label = (object["labels"] as? [String: Any])?["serviceAccount"] as? String
            let valid = label.map { RegistrationValidator.dnsLabelProblem($0) == nil } ?? false
            object["serviceAccount"] = valid ? label! : Instance.defaultServiceAccount
            let upgraded = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            let id: String = row["id"]
            try db.execute(sql: "UPDATE instance SET registration = ? WHERE id = ?", arguments: [upgraded, id])
        }
    }

    func loadAll() throws -> [Row] {
        do {
            let decoder = JSONDecoder()
            return try pool.read { db in
                try GRDB.Row.fetchAll(db, sql: "SELECT registration, registered_at FROM instance").map { row in
                    let data: Data = row["registration"]
                    let seconds: Double = row["registered_at"]
                    return Row(
                        registration: try decoder.decode(InstanceRegistration.self, from: data),
                        registeredAt: Date(timeIntervalSince1970: seconds))
                }
            }
        } catch {
            throw MeshError(.io, "cannot read the registry database", cause: error)
        }
    }

    func save(_ registration: InstanceRegistration, registeredAt: Date) throws {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let data = try encoder.encode(registration)
            try pool.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO instance (id, registration, registered_at) VALUES (?, ?, ?)",
                    arguments: [registration.id ?? "", data, registeredAt.timeIntervalSince1970])
            }
        } catch {
            throw MeshError(.io, "cannot write the registry database", cause: error)
        }
    }

    func delete(id: String) throws {
        do {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM instance WHERE id = ?", arguments: [id])
            }
        } catch {
            throw MeshError(.io, "cannot write the registry database", cause: error)
        }
    }

    func close() throws {
        try pool.close()
    }
}
