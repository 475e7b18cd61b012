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
}
