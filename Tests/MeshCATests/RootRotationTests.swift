import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Testing
import X509

@testable import MeshCA

@Suite("CertificateAuthority root rotation")
struct RootRotationTests {
    @Test("old leaves verify until they expire, new leaves chain to the new root, then the old root leaves the bundle")
    func rotationOverlap() async throws {
        try await withCA { ca, clock, _ in
            let old = try await ca.sign(csrPEM: try csr(workload("default", "web")), ttl: nil, requester: .admin)
            let oldRoot = try #require(try certificates(old.trustBundlePEM).first)
            clock.advance(hour)

            let rotated = try await ca.rotateRoot()
            #expect(rotated.roots.count == 2)
            #expect(rotated.roots.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.active, .retiring])

            let bundle = await ca.trustBundlePEM()
            let bundleRoots = try certificates(bundle)
            #expect(bundleRoots.count == 2)
            let newRoot = try #require(bundleRoots.first { $0 != oldRoot })
            // The old leaf still verifies against the current bundle.
            #expect(try await verifiedChain(old, bundlePEM: bundle, at: clock.now)?.last == oldRoot)

            let fresh = try await ca.sign(csrPEM: try csr(workload("default", "api")), ttl: nil, requester: .admin)
            #expect(try Certificate(pemEncoded: fresh.certificatePEM).issuer == newRoot.subject)
            #expect(try await verifiedChain(fresh, at: clock.now)?.last == newRoot)
            // During the overlap the chain holds the new root cross-signed by the old root, so a
            // peer that only trusts the old root still accepts new leaves.
            let cross = try #require(try certificates(fresh.chainPEM).first)
            #expect(cross.subject == newRoot.subject && cross.issuer == oldRoot.subject)
            #expect(cross.publicKey == newRoot.publicKey)
            #expect(try await verifiedChain(fresh, bundlePEM: oldRoot.pem, at: clock.now)?.last == oldRoot)

            // Just before the old leaf expires both roots stay; after it, only the new root.
            clock.advance(old.notAfter.timeIntervalSince(clock.now) - 1)
            #expect(try certificates(await ca.trustBundlePEM()).count == 2)
            #expect(try await verifiedChain(old, bundlePEM: await ca.trustBundlePEM(), at: clock.now) != nil)
            clock.advance(2)
            let after = try certificates(await ca.trustBundlePEM())
            #expect(after == [newRoot])
            let status = await ca.status()
            #expect(status.roots.map(\.serialNumber) == [newRoot.serialHex])
            // New leaves after the overlap carry no cross-signed certificate.
            let later = try await ca.sign(csrPEM: try csr(workload("default", "api")), ttl: nil, requester: .admin)
            #expect(later.chainPEM.isEmpty)
            #expect(try await verifiedChain(later, at: clock.now)?.last == newRoot)
        }
    }

    @Test("rotation survives a restart: the new root signs, the old one keeps its place in the bundle")
    func rotationPersists() async throws {
        let directory = try TemporaryDirectory(prefix: "meshca-rotate")
        defer { directory.remove() }
        let clock = TestNow()
        let first = try CertificateAuthority(
            directory: directory.path, trustDomain: trustDomain, now: clock.closure)
        let old = try await first.sign(csrPEM: try csr(workload("default", "web")), ttl: nil, requester: .admin)
        let rotated = try await first.rotateRoot()
        await first.close()

        let second = try CertificateAuthority(
            directory: directory.path, trustDomain: trustDomain, now: clock.closure)
        #expect(await second.status().roots == rotated.roots)
        let fresh = try await second.sign(csrPEM: try csr(workload("default", "api")), ttl: nil, requester: .admin)
        let active = try #require(rotated.roots.first { $0.state == .active })
        #expect(try await verifiedChain(fresh, at: clock.now)?.last?.serialHex == active.serialNumber)
        #expect(try await verifiedChain(old, bundlePEM: await second.trustBundlePEM(), at: clock.now) != nil)
        clock.advance(old.notAfter.timeIntervalSince(clock.now) + 1)
        #expect(await second.status().roots.map(\.serialNumber) == [active.serialNumber])
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.file("root-2.key.pem"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        await second.close()
    }

    @Test("a root with less than 20 % of its lifetime left is reported")
    func expiryWarning() async throws {
        let options = CertificateAuthority.Options(rootTTL: .seconds(100 * 86_400))
        try await withCA(options: options) { ca, clock, _ in
            #expect(await ca.checkExpiry().isEmpty)
            clock.advance(81 * 86_400)
            let expiring = await ca.checkExpiry()
            #expect(expiring.count == 1)
            #expect(expiring.first?.summary.state == .active)
            #expect((expiring.first?.remainingFraction ?? 1) < 0.2)
        }
    }
}
