import MeshModel
import MeshXDS
import MeshXDSProto
import Testing

@Suite("EndpointTranslator")
struct EndpointTranslatorTests {
    @Test("every instance is listed with its health and weight; unhealthy ones stay, marked")
    func healthAndWeight() throws {
        let snapshot = try MeshFixture.compile()
        let v1 = EndpointTranslator.translate(try #require(snapshot.loadAssignment(forCluster: MeshFixture.reviewsV1)))
        #expect(v1.notes.isEmpty)
        #expect(v1.resource.clusterName == MeshFixture.reviewsV1)
        let endpoints = try #require(v1.resource.endpoints.first).lbEndpoints
        #expect(endpoints.map(\.endpoint.address.socketAddress.address) == ["10.0.0.1", "10.0.0.2"])
        #expect(endpoints.map(\.endpoint.address.socketAddress.portValue) == [9080, 9080])
        #expect(endpoints.map(\.healthStatus) == [.healthy, .unhealthy])
        let v3 = EndpointTranslator.translate(try #require(snapshot.loadAssignment(forCluster: MeshFixture.reviewsV3)))
        #expect(v3.resource.endpoints.first?.lbEndpoints.map(\.loadBalancingWeight.value) == [5])
    }

    @Test("an endpoint Envoy cannot take as it is (a host name, weight 0) is noted")
    func notes() {
        let assignment = Snapshot.ClusterLoadAssignment(
            clusterName: "c",
            endpoints: [
                .init(address: "db.internal", port: 5432, weight: 0, health: .unknown, instanceID: "a"),
                .init(address: "fd00::1", port: 5432, health: .healthy, instanceID: "b"),
            ]
        )
        let translation = EndpointTranslator.translate(assignment)
        #expect(translation.notes.map(\.field) == ["endpoints[0].address", "endpoints[0].weight"])
        let endpoints = translation.resource.endpoints[0].lbEndpoints
        #expect(endpoints.map(\.healthStatus) == [.unknown, .healthy])
        #expect(endpoints.map(\.loadBalancingWeight.value) == [1, 1])
    }

    @Test("a cluster without endpoints gets an assignment with none")
    func empty() {
        let translation = EndpointTranslator.translate(.init(clusterName: "c", endpoints: []))
        #expect(translation.resource.clusterName == "c")
        #expect(translation.resource.endpoints.isEmpty)
    }
}
