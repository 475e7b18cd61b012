import MeshAPI
import MeshCore
import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@testable import MeshXDSServer

@Suite("The ADS server serves meshbox nodes meshbox-native resources", .timeLimit(.minutes(1)))
struct MeshboxNodeTests {
    typealias M = MeshboxNodeFixtures

    @Test("a client=meshbox delta node gets the five meshbox types of its scoped snapshot; an Envoy on the same server gets Envoy's")
    func meshboxAndEnvoy() async throws {
        let watch = Watch(M.snapshot(version: 3))
        try await ADSTestServer.serve(source: M.WatchSource(watch: watch), translate: XDSServer.meshTranslation) {
            server, port in
            let node = DataPlaneNode(id: "edge-7", roles: [.gateway], labels: ["client": "meshbox"])
            let scoped = watch.current.scoped(to: node)
            #expect(scoped.listeners.map(\.name) == ["0.0.0.0_8080"])
            let received = try await ADSTestClient.delta(port: port) { stream in
                try await M.fetchAll(stream, node: M.node("edge-7"))
            }
            #expect(Set(received.keys) == Set(MeshboxTypeURL.pushOrder))
            let rebuilt = try MeshboxResources.snapshot(from: received, version: 3)
            #expect(rebuilt.listeners == scoped.listeners)
            #expect(rebuilt.routeConfigurations == scoped.routeConfigurations)
            #expect(rebuilt.routeConfigurations.map(\.name) == ["http.8080"])
            #expect(rebuilt.clusters == scoped.clusters)
            #expect(rebuilt.endpoints == scoped.endpoints)
            #expect(rebuilt.secrets == scoped.secrets)

            // An Envoy (no client metadata) on the same server still gets Envoy's types.
            let envoy = try await ADSTestClient.delta(port: port) { stream in
                try await stream.exchange(ADSFixtures.delta(ADSFixtures.cluster, node: "edge-8"))
            }
            #expect(envoy.typeURL == ADSFixtures.cluster)
            #expect(envoy.names == [M.web])
            let cluster = try Envoy_Config_Cluster_V3_Cluster(unpackingAny: envoy.resources[0].resource)
            #expect(cluster.name == M.web)
            let statuses = await server.status.nodes()
            #expect(statuses.first { $0.nodeID == "edge-7" }?.labels["client"] == "meshbox")
        }
    }

    @Test("a meshbox node that asks for Envoy's clusters gets none; an Envoy that asks for meshbox clusters likewise")
    func formatsDoNotMix() async throws {
        let watch = Watch(M.snapshot())
        try await ADSTestServer.serve(source: M.WatchSource(watch: watch), translate: XDSServer.meshTranslation) {
            _, port in
            let meshboxAsksEnvoy = try await ADSTestClient.delta(port: port) { stream in
                try await stream.exchange(M.subscribe(ADSFixtures.cluster, node: M.node("edge-1")))
            }
            #expect(meshboxAsksEnvoy.resources.isEmpty)
            let envoyAsksMeshbox = try await ADSTestClient.delta(port: port) { stream in
                try await stream.exchange(M.subscribe(MeshboxTypeURL.cluster, node: M.node("edge-2", client: nil)))
            }
            #expect(envoyAsksMeshbox.resources.isEmpty)
        }
    }

    @Test("a change reaches a meshbox node as the changed resource only, under its meshbox type")
    func pushedChange() async throws {
        let watch = Watch(M.snapshot(version: 1))
        try await ADSTestServer.serve(source: M.WatchSource(watch: watch), translate: XDSServer.meshTranslation) {
            _, port in
            try await ADSTestClient.delta(port: port) { stream in
                _ = try await M.fetchAll(stream, node: M.node("edge-3"))
                watch.send(M.snapshot(version: 2, endpoints: ["10.0.0.1", "10.0.0.2"]))
                let pushed = try await stream.next()
                #expect(pushed.typeURL == MeshboxTypeURL.clusterLoadAssignment)
                #expect(pushed.systemVersionInfo == "2")
                let assignment = try MeshboxResources.value(
                    Snapshot.ClusterLoadAssignment.self, from: pushed.resources[0].resource, name: M.web)
                #expect(assignment.endpoints.map(\.address) == ["10.0.0.1", "10.0.0.2"])
            }
        }
    }

    @Test("the translation cache keeps Envoy's and meshbox's translations of one snapshot apart")
    func cacheKeyedByFormat() {
        let cache = XDSTranslationCache(capacity: 8, translate: XDSServer.meshTranslation)
        let snapshot = M.snapshot()
        let envoy = cache.resources(for: snapshot, node: DataPlaneNode(id: "a", roles: [.gateway]))
        let meshbox = cache.resources(
            for: snapshot, node: DataPlaneNode(id: "b", roles: [.gateway], labels: ["client": "meshbox"]))
        #expect(!envoy.resources(of: XDSTypeURL.cluster).isEmpty)
        #expect(envoy.resources(of: MeshboxTypeURL.cluster).isEmpty)
        #expect(!meshbox.resources(of: MeshboxTypeURL.cluster).isEmpty)
        #expect(meshbox.resources(of: XDSTypeURL.cluster).isEmpty)
    }

    @Test("meshbox types are served and pushed in the same make-before-break order as Envoy's")
    func order() {
        #expect(ADSTypeURL.ordered(Set(MeshboxTypeURL.pushOrder)) == MeshboxTypeURL.pushOrder)
        #expect(MeshboxTypeURL.pushOrder.allSatisfy { ADSTypeURL.served.contains($0) })
        #expect(ADSTypeURL.shortName(MeshboxTypeURL.cluster) == "meshbox.Cluster")
    }
}
