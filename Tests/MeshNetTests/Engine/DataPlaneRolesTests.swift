import Logging
import MeshModel
import MeshNet
import NIOCore
import NIOPosix
import Testing

@Suite("DataPlane: which listeners get a socket")
struct DataPlaneRolesTests {
    static let snapshot = Snapshot(
        version: 1,
        listeners: [
            Snapshot.Listener(
                name: "gateway", address: "127.0.0.1", port: 0, protocol: .tcp,
                filterChains: [.init(name: "tcp", destination: .tcp([]))]),
            Snapshot.Listener(
                name: "virtualOutbound", address: "127.0.0.1", port: 0, protocol: .tcp, filterChains: [],
                role: .proxy, useOriginalDestination: true, direction: .outbound),
            Snapshot.Listener(
                name: "240.240.0.10_80", address: "240.240.0.10", port: 80, protocol: .tcp,
                filterChains: [.init(name: "tcp", destination: .tcp([]))], role: .proxy, bindToPort: false,
                direction: .outbound),
        ])

    @Test("an engine binds its roles' listeners, and never one that owns no port", arguments: [
        (Set<DataPlaneRole>([.gateway]), ["gateway"]),
        (Set<DataPlaneRole>([.proxy]), ["virtualOutbound"]),
        (Set<DataPlaneRole>([.gateway, .proxy]), ["gateway", "virtualOutbound"]),
    ])
    func bound(_ roles: Set<DataPlaneRole>, _ expected: [String]) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let plane = DataPlane(group: group, roles: roles, logger: Logger(label: "test.roles"))
        let report = await plane.apply(Self.snapshot)
        #expect(report.bound.keys.sorted() == expected && report.failed.isEmpty, "\(report)")
        await plane.shutdown()
        try await group.shutdownGracefully()
    }
}
