import MeshAPI
import MeshCore
import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@testable import MeshXDSServer

@Suite("The ADS server over meshbox's own translation", .timeLimit(.minutes(1)))
struct MeshTranslationTests {
    typealias F = ADSFixtures

    static func snapshot(version: UInt64, endpoints: [String]) -> Snapshot {
        let name = "outbound|80||web.default.svc.cluster.local"
        return Snapshot(
            version: version,
            clusters: [Snapshot.Cluster(name: name, serviceHost: "web.default.svc.cluster.local", port: 80)],
            endpoints: [
                Snapshot.ClusterLoadAssignment(
                    clusterName: name,
                    endpoints: endpoints.map {
                        Snapshot.LbEndpoint(address: $0, port: 8080, health: .healthy, instanceID: $0)
                    }
                )
            ]
        )
    }

    @Test(
        "a compiled snapshot is served as MeshXDS translates it, with its versions; an endpoint change sends only the endpoints"
    )
    func served() async throws {
        let watch = Watch(Self.snapshot(version: 1, endpoints: ["10.0.0.1"]))
        try await ADSTestServer.serve(source: MeshboxNodeFixtures.WatchSource(watch: watch), translate: XDSServer.meshTranslation) {
            _,
            port in
            try await ADSTestClient.delta(port: port) { stream in
                let expected = XDSResourceSet(snapshot: watch.current)
                let clusters = try await stream.exchange(F.delta(F.cluster, node: "gw-1"))
                #expect(clusters.names == ["outbound|80||web.default.svc.cluster.local"])
                #expect(clusters.resources.first?.version == expected[F.cluster].values.first?.version)
                #expect(clusters.systemVersionInfo == "1")
                stream.send(F.delta(F.cluster, nonce: clusters.nonce))
                let endpoints = try await stream.exchange(
                    F.delta(F.endpoints, subscribe: ["outbound|80||web.default.svc.cluster.local"])
                )
                let assignment = try Envoy_Config_Endpoint_V3_ClusterLoadAssignment(
                    unpackingAny: endpoints.resources[0].resource
                )
                #expect(assignment.endpoints.first?.lbEndpoints.count == 1)
                stream.send(F.delta(F.endpoints, nonce: endpoints.nonce))
                watch.send(Self.snapshot(version: 2, endpoints: ["10.0.0.1", "10.0.0.2"]))
                let pushed = try await stream.next()
                #expect(pushed.typeURL == F.endpoints)
                let grown = try Envoy_Config_Endpoint_V3_ClusterLoadAssignment(
                    unpackingAny: pushed.resources[0].resource
                )
                #expect(grown.endpoints.first?.lbEndpoints.count == 2)
            }
        }
    }
}
