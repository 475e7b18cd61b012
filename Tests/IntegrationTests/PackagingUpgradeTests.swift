import Foundation
import MeshTesting
import Testing

/// The package's maintainer scripts run for real, in a mount namespace of the test's own where
/// /var/lib and /var/backups are empty tmpfs mounts: the host's are never touched.
@Suite("Debian package upgrade")
struct PackagingUpgradeTests {
    @Test("preinst saves the data dir before an upgrade, readable only by root, the newest three kept, restorable byte for byte")
    func preinstBacksUpDataDirectory() async throws {
        let directory = try TemporaryDirectory(prefix: "mbx-preinst")
        defer { directory.remove() }
        // A real data dir: what meshbox serve wrote, after a clean stop.
        let data = directory.file("data")
        let server = try await MeshboxProcess.serve(dataDirectory: data)
        #expect(await server.stop() == 0)
        for log in try FileManager.default.contentsOfDirectory(atPath: data) where log.hasSuffix(".log") {
            try FileManager.default.removeItem(atPath: data + "/" + log)
        }

        let out = directory.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let script = """
            set -e
            mount -t tmpfs meshbox-test /var/lib
            mount -t tmpfs meshbox-test /var/backups
            cp -a "$1" /var/lib/meshbox
            for old in 0.0.1 0.0.2 0.0.3 0.0.4; do sh "$2" upgrade "$old"; done
            sh "$2" install
            stat -c '%a %n' /var/backups/meshbox /var/backups/meshbox/* >"$3/modes"
            cp /var/backups/meshbox/*.tar.gz "$3/"
            """
        let run = try await Tool.run(
            "unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "sh", data, repositoryRoot + "/packaging/debian/preinst", out])
        try #require(run.status == 0, "\(run.output)")
        #expect(run.output.contains("meshbox: data dir saved to /var/backups/meshbox/meshbox-0.0.4-"), "got \(run.output)")

        let modes = try String(contentsOfFile: out + "/modes", encoding: .utf8).split(separator: "\n")
        #expect(modes.first == "700 /var/backups/meshbox", "got \(modes)")
        let archives = modes.dropFirst()
        #expect(archives.count == 3, "the newest three are kept: \(modes)")
        #expect(archives.allSatisfy { $0.hasPrefix("600 ") }, "got \(modes)")
        #expect(!archives.contains { $0.contains("meshbox-0.0.1-") }, "the oldest went: \(modes)")
        #expect(!archives.contains { $0.contains("-install") }, "a fresh install saves nothing")

        // Restored, the copy equals the data dir file for file.
        let archive = try #require(try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasPrefix("meshbox-0.0.4-") })
        let restored = directory.file("restored")
        try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
        #expect(try await Tool.run("tar", ["-C", restored, "-xzf", out + "/" + archive]).status == 0)
        let compare = try await Tool.run("diff", ["-r", data, restored + "/meshbox"])
        #expect(compare.status == 0, "\(compare.output)")
        #expect(FileManager.default.fileExists(atPath: restored + "/meshbox/config.db"))
    }
}
