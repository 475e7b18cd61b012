import Foundation
import Logging
import MeshCA
import MeshCore
import MeshRegistry
import MeshStore
import NIOPosix

/// The database migrations this binary knows, per database of `DataDirectoryLayout`: what its
/// own stores write into a fresh data directory. Asking the stores themselves (instead of a list
/// kept here) keeps the answer right when a store gains a migration.
enum SchemaProbe {
    static func knownMigrations() async throws -> [String: [String]] {
        let directory = try DataDirectoryBackup.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var quiet = Logger(label: "meshbox.restore")
        quiet.logLevel = .critical
        do {
            _ = try ConfigStore(path: directory + "/config.db", logger: quiet)
            let registry = try await Registry(
                path: directory + "/registry.db",
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                options: .init(nodeName: "schema-probe"),
                logger: quiet
            )
            await registry.shutdown()
            _ = try CertificateAuthority(directory: directory + "/ca", trustDomain: "cluster.local", logger: quiet)
        } catch {
            throw MeshError(.internal, "cannot open fresh stores to learn this binary's schema", cause: error)
        }
        var known: [String: [String]] = [:]
        for path in DataDirectoryLayout.databases {
            known[path] = try BackupDatabase.appliedMigrations(directory + "/" + path)
        }
        return known
    }
}
