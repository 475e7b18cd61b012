import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import SwiftASN1
import Testing
import X509

@testable import MeshCA

@Suite("CertificateAuthority join tokens")
struct JoinTokenTests {
    static func nodeID(_ name: String) -> String { "spiffe://\(trustDomain)/ns/meshbox-system/sa/node-\(name)" }

    @Test("a join token works once and a second use is refused")
    func oneTime() async throws {
        try await withCA { ca, clock, _ in
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: nil)
            #expect(token.token.hasPrefix("mbxjoin_"))
            #expect(token.expiresAt == clock.now.addingTimeInterval(600))
            let issued = try await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: try csr(Self.nodeID("edge-1")))
            #expect(issued.spiffeID == Self.nodeID("edge-1"))
            #expect(try await verifiedChain(issued, at: clock.now) != nil)
            await expectMeshError(.unauthenticated) {
                _ = try await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: try csr(Self.nodeID("edge-1")))
            }
            #expect(await ca.status().issued.first?.requester == "node:edge-1")
        }
    }

    @Test("an expired, unknown or other node's token is refused")
    func expiredOrUnknown() async throws {
        try await withCA { ca, clock, _ in
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: nil)
            clock.advance(601)
            await expectMeshError(.unauthenticated) {
                _ = try await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: try csr(Self.nodeID("edge-1")))
            }
            await expectMeshError(.unauthenticated) {
                _ = try await ca.joinNode(token: "mbxjoin_guess", nodeName: "edge-1", csrPEM: try csr(Self.nodeID("edge-1")))
            }
            let bound = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-2")
            await expectMeshError(.unauthenticated) {
                _ = try await ca.joinNode(token: bound.token, nodeName: "edge-1", csrPEM: try csr(Self.nodeID("edge-1")))
            }
            _ = try await ca.joinNode(token: bound.token, nodeName: "edge-2", csrPEM: try csr(Self.nodeID("edge-2")))
        }
    }

    @Test("a join with another identity than the node's is refused and does not spend the token")
    func wrongIdentity() async throws {
        try await withCA { ca, _, _ in
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: nil)
            for id in [Self.nodeID("edge-2"), workload("default", "web")] {
                await expectMeshError(.permissionDenied) {
                    _ = try await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: try csr(id))
                }
            }
            _ = try await ca.joinNode(token: token.token, nodeName: "edge-1", csrPEM: try csr(Self.nodeID("edge-1")))
        }
    }

    @Test("only the token's hash is stored")
    func storedHashed() async throws {
        try await withCA { ca, _, directory in
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: nil)
            await ca.close()
            for file in ["ca.db", "ca.db-wal"] where FileManager.default.fileExists(atPath: directory.file(file)) {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.file(file)))
                #expect(bytes.range(of: Data(token.token.utf8)) == nil)
            }
        }
    }

    @Test("token TTL and node name are checked")
    func badArguments() async throws {
        try await withCA { ca, _, _ in
            await expectMeshError(.invalidArgument) { _ = try await ca.createJoinToken(ttl: .zero, nodeName: nil) }
            await expectMeshError(.invalidArgument) { _ = try await ca.createJoinToken(ttl: .seconds(60), nodeName: "a/b") }
        }
    }
}
