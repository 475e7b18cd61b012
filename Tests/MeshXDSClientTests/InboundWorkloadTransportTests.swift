import Foundation
import MeshCore
import MeshModel
import MeshTesting
import MeshXDS
import MeshXDSClient
import MeshXDSServer
import Testing

@Suite("Inbound workloads over meshbox's own xDS types", .timeLimit(.minutes(1)))
struct InboundWorkloadTransportTests {
    typealias F = XDSClientFixtures

    static let strict = EffectiveMTLS(mode: .strict, source: "PeerAuthentication shop/db")

    /// The fixtures' snapshot plus a workload on `edge-1` (the fixtures' node) and one on `edge-2`.
    static func snapshot(version: UInt64, mode: EffectiveMTLS = strict) -> Snapshot {
        var snapshot = F.snapshot(version: version, clusters: ["a": ["10.0.0.1"]])
        snapshot.workloads = [
            Snapshot.InboundWorkload(
                instanceID: "db-1", node: "edge-1", namespace: "shop", service: "db", address: "10.0.1.1", mtls: mode,
                ports: [.init(number: 5432, protocol: .tcp, mtls: mode)]),
            Snapshot.InboundWorkload(
                instanceID: "db-2", node: "edge-2", namespace: "shop", service: "db", address: "10.0.1.2",
                ports: [.init(number: 5432)]),
        ]
        return snapshot
    }

    @Test("workloads pack into meshbox.v1 Workload resources named by instance id and decode back unchanged")
    func roundTrip() throws {
        let snapshot = Self.snapshot(version: 1)
        let resources = MeshboxResources.resources(of: snapshot)
        #expect(resources[MeshboxTypeURL.workload]?.keys.sorted() == ["db-1", "db-2"])
        let anys = resources.mapValues { $0.mapValues(\.resource) }
        let rebuilt = try MeshboxResources.snapshot(from: anys, version: 1)
        #expect(rebuilt.workloads == snapshot.workloads)
        // The policy arrives before the listeners that enforce it.
        let order = MeshboxTypeURL.pushOrder
        #expect(order.firstIndex(of: MeshboxTypeURL.workload)! < order.firstIndex(of: MeshboxTypeURL.listener)!)
    }

    @Test("resources persisted before the workload type existed still make a snapshot a node serves")
    func persistedWithoutWorkloads() throws {
        var held = HeldResources()
        for typeURL in MeshboxTypeURL.pushOrder where typeURL != MeshboxTypeURL.workload {
            try held.apply(typeURL: typeURL, resources: [], removed: [])
        }
        #expect(held.isComplete)
        #expect(try held.snapshot(version: 1).workloads.isEmpty)
    }

    @Test("a remote proxy node gets its own workloads over ADS, and a PeerAuthentication change follows")
    func remoteProxyNode() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-inbound")
        defer { directory.remove() }
        let watch = Watch(Self.snapshot(version: 1))
        try await F.serve(source: WatchSource(watch: watch)) { _, port in
            let client = try XDSClient(
                configuration: .init(
                    host: "127.0.0.1", port: port, security: .plaintextLoopbackForTesting, roles: [.proxy],
                    files: NodeFiles(dataDirectory: directory.path),
                    backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(400)), makeCSR: nil),
                identity: F.identity, logger: F.quietLogger)
            try await F.running(client) {
                let first = try await F.served(client) { !$0.workloads.isEmpty }
                #expect(first.workloads.map(\.instanceID) == ["db-1"])
                #expect(first.workloads.first?.mtls(forPort: 5432).mode == .strict)
                watch.send(Self.snapshot(version: 2, mode: .default))
                let second = try await F.served(client) { $0.workloads.first?.mtls(forPort: 5432).mode == .permissive }
                #expect(second.workloads.map(\.instanceID) == ["db-1"])
            }
        }
    }
}
