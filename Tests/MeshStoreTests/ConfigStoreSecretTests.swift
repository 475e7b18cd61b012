import Foundation
import MeshAPI
import MeshModel
import MeshTesting
import Testing

@testable import MeshStore

/// The store keeps Secret values as applied (redaction is the admin API's job), in a file only
/// its owner can read.
@Suite("ConfigStore and Secrets")
struct ConfigStoreSecretTests {
    static func secret(_ leaf: TestPKI.Leaf) throws -> Resource {
        Resource(
            metadata: ObjectMeta(name: "web-cert", namespace: "edge"),
            spec: .secret(.tls(certificateChainPEM: try leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM))
        )
    }

    static func mode(_ path: String) throws -> Int {
        ((try FileManager.default.attributesOfItem(atPath: path))[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("the database, its WAL and shared-memory files are mode 0600, also when the file existed as 0644")
    func fileMode() async throws {
        try await withStore { store, directory in
            _ = try await store.apply([policy("a")], dryRun: false)
            for suffix in ["", "-wal", "-shm"] {
                let path = directory.file("config.db") + suffix
                #expect(FileManager.default.fileExists(atPath: path), "\(path)")
                #expect(try Self.mode(path) == 0o600, "\(path)")
            }
        }
        let directory = try TemporaryDirectory(prefix: "meshstore-mode")
        defer { directory.remove() }
        let path = directory.file("config.db")
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        let store = try ConfigStore(path: path)
        #expect(try Self.mode(path) == 0o600)
        await store.close()
    }

    @Test("the store keeps the real key material, in history too, and a rollback restores it")
    func realMaterial() async throws {
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let validity = Date().addingTimeInterval(90 * 86400)
        let first = try Self.secret(
            try authority.issue(spiffeID: nil, dnsName: "web.example.com", notValidAfter: validity)
        )
        let second = try Self.secret(
            try authority.issue(spiffeID: nil, dnsName: "web.example.com", notValidAfter: validity)
        )
        try await withStore { store, directory in
            let created = try await store.apply([first], dryRun: false)
            _ = try await store.apply([second], dryRun: false)
            #expect(await store.get(first.key)?.resource == second)
            let history = try await store.history(first.key)
            #expect(history.map(\.resource) == [second, first])
            _ = try await store.rollback(first.key, to: created.revision)
            #expect(await store.get(first.key)?.resource == first)
            // On disk: the private key itself (which is why the file is 0600).
            let bytes =
                FileManager.default.contents(atPath: directory.file("config.db"))
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            let wal =
                FileManager.default.contents(atPath: directory.file("config.db") + "-wal")
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect((bytes + wal).contains("PRIVATE KEY"))
        }
    }
}
