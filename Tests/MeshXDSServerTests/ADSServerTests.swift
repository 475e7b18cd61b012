import GRPCCore
import MeshModel
import MeshTesting
import MeshXDSProto
import Synchronization
import Testing

@testable import MeshXDSServer

@Suite("ADS server over loopback gRPC", .timeLimit(.minutes(1)))
struct ADSServerTests {
    typealias F = ADSFixtures

    static var mesh: F.Mesh { SotWStreamMachineTests.mesh }

    @Test("a SotW client is answered clusters, endpoints, listeners, routes as Envoy asks, and its ACKs show in status")
    func sotwStartup() async throws {
        try await ADSTestServer.with(Self.mesh) { harness, server, port in
            let acked = try await ADSTestClient.sotw(port: port) { stream in
                var request = F.sotw(F.cluster)
                request.node = F.node("edge-1", roles: "gateway,proxy")
                let clusters = try await stream.exchange(request)
                #expect(clusters.typeURL == F.cluster && clusters.names == ["a", "b"])
                // Envoy asks for EDS before it ACKs CDS (xds-subset.md §9.4).
                let endpoints = try await stream.exchange(F.sotw(F.endpoints, names: ["a", "b"]))
                #expect(endpoints.typeURL == F.endpoints && endpoints.names == ["a", "b"])
                stream.send(F.sotw(F.cluster, version: clusters.versionInfo, nonce: clusters.nonce))
                let listeners = try await stream.exchange(F.sotw(F.listener))
                #expect(listeners.names == ["http"])
                stream.send(
                    F.sotw(F.endpoints, names: ["a", "b"], version: endpoints.versionInfo, nonce: endpoints.nonce)
                )
                let routes = try await stream.exchange(F.sotw(F.route, names: ["main"]))
                #expect(routes.names == ["main"])
                stream.send(F.sotw(F.listener, version: listeners.versionInfo, nonce: listeners.nonce))
                stream.send(F.sotw(F.route, names: ["main"], version: routes.versionInfo, nonce: routes.nonce))
                try await eventually("four ACKs recorded") {
                    await server.status.node("edge-1")?.ackedVersions.count == 4
                }
                let status = try #require(await server.status.node("edge-1"))
                #expect(status.connected && status.mode == .stateOfTheWorld && status.isInSync)
                #expect(status.roles == [.gateway, .proxy])
                // A change: clusters first, then their endpoints again (warming), nothing else.
                var changed = Self.mesh
                changed.clusters["c"] = 1
                harness.publish(changed)
                let pushedClusters = try await stream.next()
                let pushedEndpoints = try await stream.next()
                #expect(pushedClusters.typeURL == F.cluster && pushedClusters.names == ["a", "b", "c"])
                #expect(pushedEndpoints.typeURL == F.endpoints && pushedEndpoints.names == ["a", "b"])
                return status.ackedVersions
            }
            #expect(acked[F.route] != nil)
            #expect(harness.subscribed.withLock { $0 } == [DataPlaneNode(id: "edge-1", roles: [.gateway, .proxy])])
            try await eventually("the node shown disconnected") {
                await server.status.node("edge-1")?.connected == false
            }
        }
    }

    @Test("a NACK keeps the acked version, shows in status, and a stale nonce gets no answer")
    func sotwNackAndStale() async throws {
        try await ADSTestServer.with(Self.mesh) { harness, server, port in
            try await ADSTestClient.sotw(port: port) { stream in
                let good = try await stream.exchange(F.sotw(F.cluster, node: "edge-2"))
                stream.send(F.sotw(F.cluster, version: good.versionInfo, nonce: good.nonce))
                // (Published before the ACK arrives, the push would make that ACK's nonce stale.)
                try await eventually("the ACK recorded") {
                    await server.status.node("edge-2")?.ackedVersions[F.cluster] == good.versionInfo
                }
                var bad = Self.mesh
                bad.clusters["a"] = 0
                harness.publish(bad)
                let rejected = try await stream.next()
                stream.send(
                    F.sotw(
                        F.cluster,
                        version: good.versionInfo,
                        nonce: rejected.nonce,
                        nack: "ConnectTimeout: value must be greater than 0s"
                    )
                )
                try await eventually("the NACK recorded") { await server.status.node("edge-2")?.rejections == 1 }
                let status = try #require(await server.status.node("edge-2"))
                #expect(status.ackedVersions[F.cluster] == good.versionInfo)
                #expect(status.lastRejection?.version == rejected.versionInfo)
                #expect(status.lastRejection?.message == "ConnectTimeout: value must be greater than 0s")
                #expect(!status.isInSync)
                // Stale: the old nonce with a new subscription is ignored; the next answer is for
                // the request after it (a new type), not for the stale one.
                stream.send(F.sotw(F.cluster, names: ["a"], version: good.versionInfo, nonce: good.nonce))
                let next = try await stream.exchange(F.sotw(F.listener))
                #expect(next.typeURL == F.listener)
                // A fixed config is pushed and ACKed.
                var fixed = Self.mesh
                fixed.clusters["a"] = 2
                harness.publish(fixed)
                let pushed = try await stream.next()
                #expect(pushed.typeURL == F.cluster && pushed.versionInfo != rejected.versionInfo)
            }
        }
    }

    @Test(
        "a delta client reconnecting with initial_resource_versions gets only the changed resource and the removed one"
    )
    func deltaReconnect() async throws {
        try await ADSTestServer.with(Self.mesh) { harness, server, port in
            let held = try await ADSTestClient.delta(port: port) { stream in
                let first = try await stream.exchange(F.delta(F.cluster, node: "edge-3"))
                #expect(first.names == ["a", "b"])
                stream.send(F.delta(F.cluster, nonce: first.nonce))
                try await eventually("the ACK recorded") {
                    await server.status.node("edge-3")?.ackedVersions[F.cluster] == "v1"
                }
                return Dictionary(uniqueKeysWithValues: first.resources.map { ($0.name, $0.version) })
            }
            var changed = Self.mesh
            changed.clusters["a"] = 7
            changed.clusters["b"] = nil
            changed.version = "v2"
            harness.publish(changed)
            let published = changed
            try await ADSTestClient.delta(port: port) { stream in
                let again = try await stream.exchange(F.delta(F.cluster, initial: held, node: "edge-3"))
                #expect(again.names == ["a"])
                #expect(again.removedResources == ["b"])
                #expect(again.systemVersionInfo == "v2")
                stream.send(F.delta(F.cluster, nonce: again.nonce))
                // Removed while connected: only the removal is sent.
                var smaller = published
                smaller.clusters["a"] = nil
                smaller.clusters["z"] = 1
                harness.publish(smaller)
                let pushed = try await stream.next()
                #expect(pushed.names == ["z"])
                #expect(pushed.removedResources == ["a"])
            }
            let status = try #require(await server.status.node("edge-3"))
            #expect(status.mode == .delta && status.roles == [.gateway])
        }
    }

    @Test("a request without a type URL ends the stream with invalid_argument")
    func missingTypeURL() async throws {
        try await ADSTestServer.with(Self.mesh) { _, _, port in
            let error = await #expect(throws: RPCError.self) {
                try await ADSTestClient.sotw(port: port) { stream in
                    try await stream.exchange(F.sotw("", node: "edge-4")).names
                }
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test("a request for a type the server does not serve ends the stream with invalid_argument")
    func unknownTypeURL() async throws {
        try await ADSTestServer.with(Self.mesh) { _, _, port in
            let error = await #expect(throws: RPCError.self) {
                try await ADSTestClient.sotw(port: port) { stream in
                    try await stream.exchange(F.sotw("type.googleapis.com/made.up.v1", node: "edge-5")).names
                }
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("made.up.v1 is not served") == true)
        }
    }

    @Test("a NACK message is kept to 1,024 characters in the node's status")
    func longNackBounded() {
        let message = String(repeating: "x", count: 100_000)
        #expect(ADSTypeURL.bounded(message).count == 1025)
        #expect(ADSTypeURL.bounded("short") == "short")
    }
}
