import Foundation
import MeshAPI
import MeshCore
import Testing

@testable import MeshCA

@Suite("NodeAuthorization: what a node certificate may get")
struct NodeAuthorizationTests {
    static func id(_ text: String) throws -> SPIFFEID { try SPIFFEID(parsing: text) }
    static let node1 = "spiffe://\(trustDomain)/ns/meshbox-system/sa/node-edge-1"
    static let node2 = "spiffe://\(trustDomain)/ns/meshbox-system/sa/node-edge-2"
    static let cart = "spiffe://\(trustDomain)/ns/shop/sa/cart"
    static let payments = "spiffe://\(trustDomain)/ns/shop/sa/payments"

    static let cases: [(peer: String, requested: String, allowed: Bool)] = [
        (node1, node1, true),  // renewal of its own node identity
        (node1, cart, true),  // a workload registered on it
        (node1, payments, false),  // a workload registered elsewhere
        (node1, node2, false),  // another node
        (cart, cart, false),  // a workload certificate is not a node certificate
        (cart, node1, false),
        ("spiffe://other.test/ns/meshbox-system/sa/node-edge-1", "spiffe://other.test/ns/meshbox-system/sa/node-edge-1", false),
        (node1, "spiffe://other.test/ns/shop/sa/cart", false),
    ]

    @Test("a node renews itself and gets its workloads' identities, nothing else", arguments: cases)
    func decide(peer: String, requested: String, allowed: Bool) throws {
        let decision = NodeAuthorization.decide(
            peer: try Self.id(peer), requested: try Self.id(requested), trustDomain: trustDomain,
            workloadsOnNode: [Self.cart, "spiffe://other.test/ns/shop/sa/cart"])
        #expect((decision == .allowed) == allowed, "\(peer) → \(requested): \(decision)")
    }

    @Test("a refusal says why")
    func reason() throws {
        let decision = NodeAuthorization.decide(
            peer: try Self.id(Self.node1), requested: try Self.id(Self.node2), trustDomain: trustDomain, workloadsOnNode: [])
        #expect(decision == .denied("node edge-1 may not request \(Self.node2)"))
    }

    static func instance(
        _ service: String, namespace: String = "shop", node: String, serviceAccount: String = Instance.defaultServiceAccount,
        source: Instance.Source = .api
    ) -> Instance {
        Instance(
            id: "\(service)-\(node)", service: service, namespace: namespace, address: "10.0.0.1", ports: [.init(number: 80)],
            labels: ["serviceAccount": "label-is-not-the-account"], node: node, weight: 1, check: nil, source: source,
            health: .passing, healthOutput: "", registeredAt: Date(), healthChangedAt: Date(), serviceAccount: serviceAccount)
    }

    @Test("a node's workload identities are the namespace and service account of the instances registered on it")
    func workloadIdentitiesByServiceAccount() {
        let instances = [
            Self.instance("cart", node: "edge-1", serviceAccount: "cart-sa"),
            Self.instance("cart-canary", node: "edge-1", serviceAccount: "cart-sa"),
            Self.instance("search", namespace: "web", node: "edge-1"),
            Self.instance("payments", node: "edge-2", serviceAccount: "payments"),
            Self.instance("external", node: "", serviceAccount: "external", source: .serviceEntry),
        ]
        #expect(
            NodeAuthorization.workloadIdentities(of: instances, on: "edge-1", trustDomain: trustDomain) == [
                "spiffe://\(trustDomain)/ns/shop/sa/cart-sa", "spiffe://\(trustDomain)/ns/web/sa/default",
            ])
        #expect(NodeAuthorization.workloadIdentities(of: instances, on: "", trustDomain: trustDomain).isEmpty)
    }

    @Test("the CA signs a node's CSR for a service account registered on it and refuses the service name or another account")
    func signingByServiceAccount() async throws {
        let instances = [
            Self.instance("cart", node: "edge-1", serviceAccount: "cart-sa"),
            Self.instance("payments", node: "edge-2", serviceAccount: "payments-sa"),
        ]
        let workloads: @Sendable (String) async -> Set<String> = { node in
            NodeAuthorization.workloadIdentities(of: instances, on: node, trustDomain: trustDomain)
        }
        try await withCA(workloads: workloads) { ca, _, _ in
            _ = try await ca.sign(csrPEM: try csr(workload("shop", "cart-sa")), ttl: nil, requester: .node("edge-1"))
            for refused in [workload("shop", "cart"), workload("shop", "payments-sa"), workload("shop", "default")] {
                let denied = await expectMeshError(.permissionDenied) {
                    _ = try await ca.sign(csrPEM: try csr(refused), ttl: nil, requester: .node("edge-1"))
                }
                #expect(denied?.message == "node edge-1 may not request \(refused)")
            }
            _ = try await ca.sign(csrPEM: try csr(workload("shop", "payments-sa")), ttl: nil, requester: .node("edge-2"))
        }
    }
}
