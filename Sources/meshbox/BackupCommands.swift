import ArgumentParser
import MeshAppliance

/// Where a backup or restore command finds the data dir: `--data-dir`, else `dataDir` in
/// `--config`, else serve's default (`MESHBOX_DATA_DIR`, /var/lib/meshbox as root).
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (default: as serve: MESHBOX_DATA_DIR, /var/lib/meshbox as root).")
    var dataDir: String?

    @Option(name: .long, help: "YAML config file whose dataDir to use.")
    var config: String?

    func resolve() throws -> String {
        do {
            return try ApplianceConfiguration.resolve(
                file: config,
                roles: nil,
                dataDirectory: dataDir,
                consoleListen: nil,
                logLevel: nil,
                logFormat: nil
            ).dataDirectory
        } catch let error as ApplianceError {
            throw ValidationError(error.description)
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent snapshot of the data dir (databases, CA roots, keys) to FILE, while meshbox runs."
    )

    @Argument(help: "The backup file to write (mode 0600; replaced if it exists).") var file: String
    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        let summary = try DataDirectoryBackup.write(
            dataDirectory: try data.resolve(),
            to: file,
            meshboxVersion: MeshboxVersion.current
        )
        let schemas = summary.manifest.databases.map { "\($0.path) \($0.migrations.last ?? "empty")" }
        print(
            "wrote \(file): \(summary.manifest.files.count) files, \(summary.size) bytes (\(schemas.joined(separator: ", ")))"
        )
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Restore a backup FILE into a data dir no meshbox process uses (verified whole before anything is written)."
    )

    @Argument(help: "The backup file written by `meshbox backup`.") var file: String
    @OptionGroup var data: DataDirectoryOptions
    @Flag(
        name: .long,
        help: "Restore into a non-empty data dir, moving its contents aside to <dir>.before-restore-<time>."
    )
    var force = false

    func run() async throws {
        let summary = try await DataDirectoryRestore.restore(backup: file, into: try data.resolve(), force: force)
        print(
            "restored \(summary.manifest.files.count) files into \(summary.directory) (backup of \(summary.manifest.createdAt), meshbox \(summary.manifest.meshboxVersion))"
        )
        if let previous = summary.previous { print("previous contents: \(previous)") }
    }
}
