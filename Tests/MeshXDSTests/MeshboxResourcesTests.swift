import Foundation
import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@Suite("MeshboxResources: a snapshot as meshbox-native ADS resources and back")
struct MeshboxResourcesTests {
    @Test("every listener, route, cluster, endpoint set and secret comes back equal")
    func roundTrip() throws {
        let snapshot = try MeshFixture.compile(version: 7)
        let resources = MeshboxResources.resources(of: snapshot)
        #expect(resources[MeshboxTypeURL.cluster]?.count == snapshot.clusters.count)
        #expect(resources[MeshboxTypeURL.secret]?.count == snapshot.secrets.count)
        for typeURL in MeshboxTypeURL.pushOrder {
            #expect(resources[typeURL]?.values.allSatisfy { $0.resource.typeURL == typeURL } == true)
        }
        let back = try MeshboxResources.snapshot(
            from: resources.mapValues { $0.mapValues(\.resource) }, version: snapshot.version)
        #expect(back.version == 7)
        #expect(back.listeners == snapshot.listeners)
        #expect(back.routeConfigurations == snapshot.routeConfigurations)
        #expect(back.clusters == snapshot.clusters)
        #expect(back.endpoints == snapshot.endpoints)
        #expect(back.secrets == snapshot.secrets)
        #expect(MeshboxTypeURL.listener == "type.googleapis.com/meshbox.v1.Listener")
    }

    @Test("a chain's RequestAuthentication reaches a meshbox node with its keys inline")
    func requestAuthentication() throws {
        var snapshot = try MeshFixture.compile(version: 2)
        let provider = Snapshot.JWTProvider(
            policy: ResourceKey(kind: .requestAuthentication, namespace: "default", name: "jwt"), rule: 0,
            issuer: "https://issuer.test", audiences: ["shop"], jwks: #"{"keys":[]}"#,
            fromHeaders: [.init(name: "x-jwt", prefix: "Bearer ")], outputPayloadToHeader: "x-payload")
        let index = try #require(snapshot.listeners.firstIndex { !$0.filterChains.isEmpty })
        snapshot.listeners[index].filterChains[0].requestAuthentication = .init(providers: [provider])
        let back = try MeshboxResources.snapshot(
            from: MeshboxResources.resources(of: snapshot).mapValues { $0.mapValues(\.resource) }, version: 2)
        #expect(back.listeners == snapshot.listeners)
        let chain = try #require(back.listeners.first { $0.name == snapshot.listeners[index].name }?.filterChains.first)
        #expect(chain.requestAuthentication?.providers == [provider])
    }

    @Test("versions depend on content only: another compilation of the same input gives the same")
    func deterministic() throws {
        let first = MeshboxResources.resources(of: try MeshFixture.compile())
        let second = MeshboxResources.resources(
            of: try MeshFixture.compile(instances: Array(MeshFixture.instances.reversed())))
        for typeURL in MeshboxTypeURL.pushOrder {
            #expect(first[typeURL]?.mapValues(\.version) == second[typeURL]?.mapValues(\.version))
        }
        let changed = MeshboxResources.resources(
            of: try MeshFixture.compile(instances: Array(MeshFixture.instances.dropLast())))
        #expect(first[MeshboxTypeURL.clusterLoadAssignment] != changed[MeshboxTypeURL.clusterLoadAssignment])
        #expect(first[MeshboxTypeURL.listener]?.mapValues(\.version) == changed[MeshboxTypeURL.listener]?.mapValues(\.version))
    }

    @Test("a resource that is not a model value is refused with its type and name")
    func badResource() throws {
        var carrier = Meshbox_V1_Cluster()
        carrier.json = Data(#"{"name": 3}"#.utf8)
        let any = XDSAny.pack(carrier)
        #expect {
            try MeshboxResources.snapshot(from: [MeshboxTypeURL.cluster: ["broken": any]], version: 1)
        } throws: { error in
            "\(error)".contains("meshbox.v1.Cluster broken")
        }
    }
}
