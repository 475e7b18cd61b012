import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Testing
import X509

@testable import MeshCA

@Suite("CertificateAuthority root")
struct CertificateAuthorityTests {
    @Test("creates the root once with a 0600 PKCS#8 key and reloads it on the next start")
    func rootCreatedOnceAndReloaded() async throws {
        let directory = try TemporaryDirectory(prefix: "meshca-root")
        defer { directory.remove() }
        let clock = TestNow()
        let first = try CertificateAuthority(
            directory: directory.path, trustDomain: trustDomain, now: clock.closure)
        let status = await first.status()
        #expect(status.mode == .selfSigned)
        #expect(status.roots.count == 1)
        let root = try #require(status.roots.first)
        #expect(root.subject.contains("CN=meshbox root CA mesh.test"))
        #expect(root.subject.contains("O=meshbox"))
        #expect(root.state == .active)
        #expect(abs(root.notAfter.timeIntervalSince(clock.now) - 10 * 365 * 86_400) < 120)
        await first.close()

        let keyPath = directory.file("root-1.key.pem")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let keyText = try String(contentsOfFile: keyPath, encoding: .utf8)
        #expect(keyText.hasPrefix("-----BEGIN PRIVATE KEY-----"))

        let rootCertificate = try Certificate(pemEncoded: try String(contentsOfFile: directory.file("root-1.cert.pem"), encoding: .utf8))
        #expect(rootCertificate.isCertificateAuthority)
        #expect(try rootCertificate.extensions.subjectKeyIdentifier != nil)
        #expect(try rootCertificate.extensions.keyUsage?.keyCertSign == true)

        let second = try CertificateAuthority(
            directory: directory.path, trustDomain: trustDomain, now: clock.closure)
        let reloaded = await second.status()
        #expect(reloaded.roots.map(\.serialNumber) == [root.serialNumber])
        #expect(reloaded.roots.first?.fingerprintSHA256 == root.fingerprintSHA256)
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == keyText)

        // The key never appears in what the CA serves.
        let bundle = await second.trustBundlePEM()
        let statusJSON = String(decoding: try JSONEncoder().encode(reloaded), as: UTF8.self)
        let issued = try await second.sign(csrPEM: try csr(workload("default", "web")), ttl: nil, requester: .admin)
        let issuedJSON = String(decoding: try JSONEncoder().encode(issued), as: UTF8.self)
        let keyBody = keyText.split(separator: "\n").dropFirst().first.map(String.init) ?? "unreachable"
        for text in [bundle, statusJSON, issuedJSON] {
            #expect(!text.contains("PRIVATE KEY"))
            #expect(!text.contains(keyBody))
        }
        #expect(bundle.contains("BEGIN CERTIFICATE"))
        await second.close()
    }

    @Test("refuses an invalid trust domain and inconsistent TTLs")
    func refusesBadOptions() async throws {
        let directory = try TemporaryDirectory(prefix: "meshca-options")
        defer { directory.remove() }
        await expectMeshError(.invalidArgument) {
            _ = try CertificateAuthority(directory: directory.path, trustDomain: "Bad Domain")
        }
        await expectMeshError(.invalidArgument) {
            _ = try CertificateAuthority(
                directory: directory.path, trustDomain: trustDomain,
                options: .init(defaultLeafTTL: .seconds(10 * 86_400)))
        }
    }

    @Test("status lists issued certificates newest first")
    func statusListsIssued() async throws {
        try await withCA { ca, _, _ in
            _ = try await ca.sign(csrPEM: try csr(workload("default", "a")), ttl: nil, requester: .admin)
            let second = try await ca.sign(csrPEM: try csr(workload("default", "b")), ttl: nil, requester: .admin)
            let status = await ca.status()
            #expect(status.issued.map(\.spiffeID) == [workload("default", "b"), workload("default", "a")])
            #expect(status.issued.first?.serialNumber == second.serialNumber)
            #expect(status.issued.first?.requester == "admin")
        }
    }

    @Test("CertificateInfo describes an issued certificate")
    func describesCertificate() async throws {
        try await withCA { ca, _, _ in
            let issued = try await ca.sign(csrPEM: try csr(workload("shop", "cart")), ttl: nil, requester: .admin)
            let info = try #require(try CertificateInfo.describe(pem: issued.certificatePEM).first)
            #expect(info.subjectAlternativeNames == ["URI:" + workload("shop", "cart")])
            #expect(info.serialNumber == issued.serialNumber)
            #expect(info.issuer.contains("meshbox root CA"))
            #expect(!info.isCertificateAuthority)
            #expect(info.notAfter == issued.notAfter)
        }
    }
}
