import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Testing
import X509

@testable import MeshCA

@Suite("CARole")
struct CARoleTests {
    @Test("runs expiry checks until cancelled, then closes the CA")
    func runsAndStops() async throws {
        let directory = try TemporaryDirectory(prefix: "meshca-role")
        defer { directory.remove() }
        let ca = try CertificateAuthority(directory: directory.path, trustDomain: trustDomain)
        let role = CARole(authority: ca, interval: .milliseconds(10))
        let task = Task { try await role.run() }
        try await eventually("the role to check twice") { await ca.expiryChecks >= 2 }
        task.cancel()
        _ = try? await task.value
        #expect(await ca.isClosed)
        await expectMeshError(.unavailable) { _ = try await ca.sign(csrPEM: try csr(workload("a", "b")), ttl: nil, requester: .admin) }
    }
}
