import Foundation
import MeshAPI
import MeshCore
import MeshTesting
import Testing

@testable import MeshCA

@Suite("CertificateAuthority.renewNode: a node certificate renews itself, nothing else")
struct NodeRenewalTests {
    static func nodeID(_ name: String) -> String { "spiffe://\(trustDomain)/ns/meshbox-system/sa/node-\(name)" }

    @Test("a node renews its own identity for the node lifetime; the issued log records it as the node's")
    func renewsItself() async throws {
        try await withCA(options: .init(defaultLeafTTL: .seconds(6 * 3600))) { ca, clock, _ in
            let renewed = try await ca.renewNode(peerIdentity: Self.nodeID("edge-1"), csrPEM: try csr(Self.nodeID("edge-1")))
            #expect(renewed.spiffeID == Self.nodeID("edge-1"))
            #expect(abs(renewed.notAfter.timeIntervalSince(clock.now) - 6 * hour) < 1)
            #expect(try await verifiedChain(renewed, at: clock.now) != nil)
            let logged = await ca.status().issued.first
            #expect(logged?.requester == "node:edge-1")
            #expect(logged?.serialNumber == renewed.serialNumber)
        }
    }

    @Test(
        "refused with why: another node's CSR, a workload or foreign peer, the control plane's own node, a CSR that is none",
        arguments: [
            (NodeRenewalTests.nodeID("edge-1"), NodeRenewalTests.nodeID("edge-2"), MeshError.Code.permissionDenied, "may renew only its own identity"),
            (NodeRenewalTests.nodeID("edge-1"), workload("shop", "cart"), .permissionDenied, "may renew only its own identity"),
            (workload("shop", "cart"), workload("shop", "cart"), .permissionDenied, "is not a node identity of trust domain"),
            (
                "spiffe://other.test/ns/meshbox-system/sa/node-edge-1", "spiffe://other.test/ns/meshbox-system/sa/node-edge-1",
                .permissionDenied, "is not a node identity of trust domain mesh.test"
            ),
            ("https://example.com/edge-1", NodeRenewalTests.nodeID("edge-1"), .permissionDenied, "not a node identity"),
            (NodeRenewalTests.nodeID("control"), NodeRenewalTests.nodeID("control"), .permissionDenied, "this control plane's own node"),
            (NodeRenewalTests.nodeID("edge-1"), "", .invalidArgument, "not a valid PEM certificate signing request"),
        ])
    func refusals(peer: String, requested: String, code: MeshError.Code, message: String) async throws {
        try await withCA(options: .init(reservedNodeNames: ["control"])) { ca, _, _ in
            let request = requested.isEmpty ? "not a CSR" : try csr(requested)
            do {
                _ = try await ca.renewNode(peerIdentity: peer, csrPEM: request)
                Issue.record("\(peer) renewing \(requested) was allowed")
            } catch let error as MeshError {
                #expect(error.code == code)
                #expect(error.message.contains(message), "\(error.message)")
            }
            #expect(await ca.status().issued.isEmpty)
        }
    }
}
