import Foundation
import MeshCore
import MeshRemote
import MeshTesting
import Testing

@Suite("data dir file modes through the real binary")
struct DataFileModesThroughServerTests {
    /// Every regular file meshbox keeps in the data dir and its `ca/` (not the test's own logs).
    static func stateFiles(_ dataDirectory: String) -> [String] {
        [dataDirectory, dataDirectory + "/ca"].flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { !$0.hasPrefix("stdout-") && !$0.hasPrefix("stderr-") }
                .map { directory + "/" + $0 }
        }
        .filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    @Test("registry.db, ca.db (+ -wal/-shm), console.url and every other state file are 0600, and a restart tightens an older install's")
    func modes() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let data = server.process.dataDirectory
        _ = try await server.client.caStatus()
        let files = Self.stateFiles(data)
        for name in ["console.url", "registry.db", "config.db", "admin-token", "ca/ca.db", "ca/ca.db-wal", "ca/ca.db-shm"] {
            #expect(files.contains(data + "/" + name), "\(name) in \(files)")
        }
        for file in files {
            #expect(PrivateFile.permissions(of: file) == 0o600, "\(file)")
        }
        #expect(await server.process.stop() == 0)

        for file in Self.stateFiles(data) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        }
        let again = try await MeshboxProcess.serve(dataDirectory: data)
        defer { again.kill() }
        for file in Self.stateFiles(data) {
            #expect(PrivateFile.permissions(of: file) == 0o600, "\(file) after a restart")
        }
        await again.stop()
    }
}
