import GRDB

// What tests (through `@testable import`) read of the CA's database, without depending on GRDB.
extension CertificateAuthority {
    /// `PRAGMA synchronous` of the writer connection: 2 is FULL.
    func synchronousLevel() async throws -> Int? {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }

    /// Runs `sql` on the writer connection, to break and mend the database in a test.
    func execute(sql: String) async throws {
        try await pool.write { db in try db.execute(sql: sql) }
    }
}
