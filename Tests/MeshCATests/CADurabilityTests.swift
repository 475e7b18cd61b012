import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import Testing
import X509

@testable import MeshCA

@Suite("CertificateAuthority durability")
struct CADurabilityTests {
    @Test("ca.db commits with synchronous=FULL, so a spent token survives a power cut")
    func synchronousFull() async throws {
        try await withCA { ca, _, _ in
            let level = try await ca.synchronousLevel()
            #expect(level == 2)
        }
    }

    @Test("every file of the CA directory is mode 0600, and an older install's files are tightened")
    func fileModes() async throws {
        try await withCA { ca, _, directory in
            _ = try await ca.sign(csrPEM: try csr(workload("default", "web")), ttl: nil, requester: .admin)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(Set(files).isSuperset(of: ["ca.db", "ca.db-wal", "ca.db-shm", "root-1.key.pem", "root-1.cert.pem"]))
            for file in files {
                #expect(PrivateFile.permissions(of: directory.file(file)) == 0o600, "\(file)")
            }
            await ca.close()
            for file in ["ca.db", "ca.db-wal", "ca.db-shm"] where FileManager.default.fileExists(atPath: directory.file(file)) {
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.file(file))
            }
            let reopened = try CertificateAuthority(directory: directory.path, trustDomain: trustDomain)
            for file in ["ca.db", "ca.db-wal", "ca.db-shm"] where FileManager.default.fileExists(atPath: directory.file(file)) {
                #expect(PrivateFile.permissions(of: directory.file(file)) == 0o600, "\(file) after a restart")
            }
            await reopened.close()
        }
    }

    @Test("a root key file left without its row (a crash before the row) is adopted at the next start")
    func orphanRootKeyAdopted() async throws {
        let directory = try TemporaryDirectory(prefix: "meshca-orphan")
        defer { directory.remove() }
        let orphan = P256.Signing.PrivateKey()
        try PrivateFile.write(orphan.pemRepresentation, to: directory.file("root-1.key.pem"))
        let ca = try CertificateAuthority(directory: directory.path, trustDomain: trustDomain)
        let signer = await ca.signer
        #expect(signer.key.publicKey == Certificate.PublicKey(orphan.publicKey))
        _ = try await ca.sign(csrPEM: try csr(workload("default", "web")), ttl: nil, requester: .admin)
        await ca.close()
        // And the start after that loads it as any root.
        let again = try CertificateAuthority(directory: directory.path, trustDomain: trustDomain)
        #expect(await again.signer.key.publicKey == Certificate.PublicKey(orphan.publicKey))
        await again.close()
    }

    @Test("an unreadable orphan root key file is replaced, at the first start and at a rotation")
    func orphanRootKeyReplaced() async throws {
        let directory = try TemporaryDirectory(prefix: "meshca-orphan")
        defer { directory.remove() }
        try PrivateFile.write("half a key", to: directory.file("root-1.key.pem"))
        let ca = try CertificateAuthority(directory: directory.path, trustDomain: trustDomain)
        try PrivateFile.write("", to: directory.file("root-2.key.pem"))
        _ = try await ca.rotateRoot()
        _ = try await ca.sign(csrPEM: try csr(workload("default", "web")), ttl: nil, requester: .admin)
        #expect(await ca.signer.generation == 2)
        #expect(PrivateFile.permissions(of: directory.file("root-2.key.pem")) == 0o600)
        await ca.close()
    }

    @Test("a join whose issuance fails leaves the token unspent")
    func failedIssuanceKeepsToken() async throws {
        try await withCA { ca, _, _ in
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
            // The issued log cannot be written: the issuance fails after the certificate is signed.
            try await ca.execute(sql: "ALTER TABLE issued RENAME TO issued_away")
            await expectMeshError(.io) {
                _ = try await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: try csr(JoinTokenTests.nodeID("edge-1")))
            }
            try await ca.execute(sql: "ALTER TABLE issued_away RENAME TO issued")
            let issued = try await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: try csr(JoinTokenTests.nodeID("edge-1")))
            #expect(issued.spiffeID == JoinTokenTests.nodeID("edge-1"))
        }
    }

    @Test("of concurrent joins with one token exactly one gets a certificate")
    func concurrentJoinsSpendOnce() async throws {
        try await withCA { ca, _, _ in
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
            let request = try csr(JoinTokenTests.nodeID("edge-1"))
            let successes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask { (try? await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: request)) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(successes == 1)
            #expect(await ca.status().issued.count == 1)
        }
    }
}
