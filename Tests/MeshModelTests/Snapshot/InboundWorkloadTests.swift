import Foundation
import MeshModel
import Testing

@Suite("Snapshot: inbound workloads")
struct InboundWorkloadTests {
    static let strict = EffectiveMTLS(
        mode: .strict, source: "PeerAuthentication shop/db",
        policy: ResourceKey(kind: .peerAuthentication, namespace: "shop", name: "db"))

    static let snapshot = Snapshot(
        version: 3,
        workloads: [
            Snapshot.InboundWorkload(
                instanceID: "db-1", node: "node-b", namespace: "shop", service: "db", serviceAccount: "postgres",
                address: "10.0.1.1", labels: ["app": "db"], mtls: strict,
                ports: [.init(number: 5432, name: "tcp", protocol: .tcp, mtls: strict)],
                authorization: Snapshot.Authorization(
                    workloads: [.init(namespace: "shop", labels: ["app": "db"])],
                    policies: [
                        .init(
                            key: ResourceKey(kind: .authorizationPolicy, namespace: "shop", name: "db"), action: .allow,
                            rules: [.init(from: [.init(source: .init(principals: ["cluster.local/ns/shop/sa/api"]))])])
                    ])),
            Snapshot.InboundWorkload(
                instanceID: "db-2", node: "node-c", namespace: "shop", service: "db", address: "10.0.1.2",
                ports: [.init(number: 5432)]),
        ])

    @Test("a proxy node keeps only the workloads registered on it (by its node name, else its id)")
    func scopedByNode() {
        #expect(Self.snapshot.scoped(to: DataPlaneNode(id: "node-b", roles: [.proxy])).workloads.map(\.instanceID) == ["db-1"])
        #expect(Self.snapshot.scoped(to: .local(roles: [.proxy], nodeName: "node-c")).workloads.map(\.instanceID) == ["db-2"])
        #expect(Self.snapshot.scoped(to: .local(roles: [.proxy])).workloads.isEmpty)
        #expect(Self.snapshot.scoped(to: DataPlaneNode(id: "node-x", roles: [.proxy])).workloads.isEmpty)
    }

    @Test("a gateway-only node gets no workloads; the whole mesh gets every one")
    func scopedByRole() {
        #expect(Self.snapshot.scoped(to: DataPlaneNode(id: "node-b", roles: [.gateway])).workloads.isEmpty)
        #expect(Self.snapshot.scoped(to: .wholeMesh).workloads.count == 2)
        #expect(Self.snapshot.scoped(to: .wholeMesh) == Self.snapshot)
    }

    @Test("workloads survive a JSON round trip")
    func codable() throws {
        let data = try JSONEncoder().encode(Self.snapshot)
        let decoded = try JSONDecoder().decode(Snapshot.self, from: data)
        #expect(decoded == Self.snapshot)
        #expect(decoded.workloads[0].serviceAccount == "postgres")
        #expect(decoded.workloads[0].mtls(forPort: 5432).mode == .strict)
        #expect(decoded.workloads[0].mtls(forPort: 1).source == "PeerAuthentication shop/db")
    }

    @Test("a port without a protocol is not HTTP; an HTTP-family protocol is")
    func httpPorts() {
        #expect(Snapshot.InboundPort(number: 1).isHTTP == false)
        #expect(Snapshot.InboundPort(number: 1, protocol: .tcp).isHTTP == false)
        #expect(Snapshot.InboundPort(number: 1, protocol: .grpc).isHTTP == true)
    }
}
