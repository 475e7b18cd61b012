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
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
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
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
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
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
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
            let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
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
            await expectMeshError(.invalidArgument) { _ = try await ca.createJoinToken(ttl: .zero, nodeName: "edge-1") }
            await expectMeshError(.invalidArgument) { _ = try await ca.createJoinToken(ttl: .seconds(60), nodeName: "a/b") }
            await expectMeshError(.invalidArgument) { _ = try await ca.createJoinToken(ttl: .seconds(60), nodeName: "") }
        }
    }

    @Test("a node name joins once: a second token for it is refused, and so is a second join with an earlier token")
    func nodeNameJoinsOnce() async throws {
        try await withCA { ca, _, _ in
            let first = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
            let second = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1")
            _ = try await ca.joinNode(token: first.token, nodeName: "edge-1", csrPEM: try csr(Self.nodeID("edge-1")))
            let again = await expectMeshError(.conflict) {
                _ = try await ca.joinNode(token: second.token, nodeName: "edge-1", csrPEM: try csr(Self.nodeID("edge-1")))
            }
            #expect(again?.message.contains("node edge-1 has already joined") == true)
            let made = await expectMeshError(.conflict) { _ = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "edge-1") }
            #expect(made?.message.contains("node edge-1 has already joined") == true)
            #expect(await ca.status().issued.count == 1)
        }
    }

    @Test("the control plane's own node name cannot be given to a joining node")
    func reservedNodeName() async throws {
        try await withCA(options: .init(reservedNodeNames: ["cp-1"])) { ca, _, _ in
            let refused = await expectMeshError(.conflict) { _ = try await ca.createJoinToken(ttl: .seconds(600), nodeName: "cp-1") }
            #expect(refused?.message.contains("control plane's own node") == true)
            await expectMeshError(.permissionDenied) {
                _ = try await ca.joinNode(token: "mbxjoin_any", nodeName: "cp-1", csrPEM: try csr(Self.nodeID("cp-1")))
            }
        }
    }

    @Test("a token stored without a node name (made by an older version) is refused")
    func unboundTokenRefused() async throws {
        try await withCA { ca, clock, _ in
            let secret = "mbxjoin_legacy"
            let hash = CertificateAuthority.tokenHash(secret)
            let expires = clock.now.addingTimeInterval(600).timeIntervalSince1970
            try await ca.execute(
                sql: "INSERT INTO join_tokens(hash, node_name, expires_at, created_at) VALUES ('\(hash)', NULL, \(expires), 0)")
            let refused = await expectMeshError(.unauthenticated) {
                _ = try await ca.joinNode(token: secret, nodeName: "edge-9", csrPEM: try csr(Self.nodeID("edge-9")))
            }
            #expect(refused?.message.contains("names no node") == true)
        }
    }
}
