import Foundation
import MeshAPI
import MeshCore
import MeshRegistry
import Testing

@Suite("Registry database file")
struct RegistryDatabaseTests {
    static let files = ["registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm"]

    @Test("registry.db and its -wal/-shm are mode 0600, also when an older install made them 0644")
    func fileModes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meshbox-registry-modes-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withRegistry(directory: directory) { registry, _, dir in
            _ = try await registry.register(InstanceRegistration(service: "web", address: "10.0.0.1", ports: [.init(number: 80)]))
            for file in Self.files {
                #expect(PrivateFile.permissions(of: dir.appendingPathComponent(file).path) == 0o600, "\(file)")
            }
        }
        for file in Self.files where FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.appendingPathComponent(file).path)
        }
        try await withRegistry(directory: directory) { registry, _, dir in
            let restored = try await registry.instances(service: nil, namespace: nil)
            #expect(restored.count == 1)
            for file in Self.files where FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path) {
                #expect(PrivateFile.permissions(of: dir.appendingPathComponent(file).path) == 0o600, "\(file) after a restart")
            }
        }
    }
}
