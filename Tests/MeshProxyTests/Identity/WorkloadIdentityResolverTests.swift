import Foundation
import MeshAPI
import MeshTesting
import NIOCore
import Testing

@testable import MeshProxy

#if canImport(Glibc)
    import Glibc
#endif

@Suite("WorkloadIdentityResolver: a captured connection's identity from its socket's owner")
struct WorkloadIdentityResolverTests {
    static let node = "host-a"
    static let nodeIdentity = "spiffe://cluster.local/ns/meshbox-system/sa/node-host-a"

    static func instance(
        _ id: String,
        node: String = node,
        namespace: String = "shop",
        serviceAccount: String,
        runAs: String?
    ) -> Instance {
        Instance(
            id: id,
            service: id,
            namespace: namespace,
            address: "10.0.0.1",
            ports: [.init(number: 80)],
            labels: [:],
            node: node,
            weight: 1,
            check: nil,
            source: .api,
            health: .passing,
            healthOutput: "",
            registeredAt: Date(),
            healthChangedAt: Date(),
            serviceAccount: serviceAccount,
            runAs: runAs
        )
    }

    static func resolver(_ instances: [Instance]) -> WorkloadIdentityResolver {
        WorkloadIdentityResolver(
            node: node,
            trustDomain: "cluster.local",
            nodeIdentity: nodeIdentity,
            instances: instances
        )
    }

    @Test(
        "a connection opened as nobody gets the identity of this node's instance that runs as nobody, by name or uid",
        arguments: [("127.0.0.1", "nobody"), ("::1", "65534")]
    )
    func childRunsAsInstance(host: String, runAs: String) async throws {
        let resolver = Self.resolver([
            Self.instance("cart", serviceAccount: "cart-sa", runAs: runAs),
            Self.instance("elsewhere", node: "host-b", serviceAccount: "other", runAs: "nobody"),
            Self.instance("search", serviceAccount: "search", runAs: nil),
        ])
        #expect(resolver.problems.isEmpty)
        let listener = try LoopbackListener(host)
        let resolution = try await withConnectionFromNobody(to: listener) { _, _, peer in
            resolver.resolve(source: peer, destination: listener.address)
        }
        #expect(resolution.spiffeID == "spiffe://cluster.local/ns/shop/sa/cart-sa")
        #expect(resolution.isWorkload)
        #expect(resolution.owner?.uid == 65534)
        #expect(resolution.reason == .runsAs(instanceID: "cart", uid: 65534))
    }

    @Test("a local connection no instance runs as, and one with no local socket, get the node's identity and say why")
    func nodeIdentityWithReason() throws {
        let resolver = Self.resolver([Self.instance("cart", serviceAccount: "cart-sa", runAs: "nobody")])
        let listener = try LoopbackListener("127.0.0.1")
        let (client, local) = try listener.connectFromHere()
        let (accepted, _) = try listener.accept()

        let mine = resolver.resolve(source: local, destination: listener.address)
        #expect(mine.spiffeID == Self.nodeIdentity)
        #expect(!mine.isWorkload)
        #expect(mine.reason == .noInstance(uid: getuid()))
        #expect(
            mine.description.contains("no instance registered on this node runs as the socket's owner uid \(getuid())")
        )

        close(client)
        close(accepted)
        let gone = resolver.resolve(source: local, destination: listener.address)
        #expect(gone.spiffeID == Self.nodeIdentity)
        #expect(gone.owner == nil)
        #expect(gone.reason == .noLocalSocket)
    }

    @Test("a uid that several identities run as picks none of them; one identity shared by several instances is kept")
    func sharedUID() {
        let resolver = Self.resolver([
            Self.instance("a", serviceAccount: "alpha", runAs: "1001"),
            Self.instance("b", serviceAccount: "beta", runAs: "1001"),
            Self.instance("c1", serviceAccount: "gamma", runAs: "1002"),
            Self.instance("c2", serviceAccount: "gamma", runAs: "1002"),
        ])
        let shared = resolver.resolve(owner: SocketOwner(uid: 1001, inode: 7))
        #expect(shared.spiffeID == Self.nodeIdentity)
        #expect(
            shared.reason
                == .sharedUID(
                    uid: 1001,
                    identities: ["spiffe://cluster.local/ns/shop/sa/alpha", "spiffe://cluster.local/ns/shop/sa/beta"]
                )
        )
        let kept = resolver.resolve(owner: SocketOwner(uid: 1002, inode: 8))
        #expect(kept.spiffeID == "spiffe://cluster.local/ns/shop/sa/gamma")
        #expect(kept.reason == .runsAs(instanceID: "c1", uid: 1002))
    }

    @Test("a runAs user this host does not have is reported, and matches nothing")
    func unknownUser() {
        let resolver = Self.resolver([Self.instance("cart", serviceAccount: "cart-sa", runAs: "meshbox-no-such-user")])
        #expect(
            resolver.problems == [
                "instance cart: runAs meshbox-no-such-user: no user meshbox-no-such-user on this host"
            ]
        )
        #expect(resolver.resolve(owner: SocketOwner(uid: 65534, inode: 1)).reason == .noInstance(uid: 65534))
    }
}
