import Foundation
import MeshAPI
import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@Suite("What a remote node is sent: never the control plane's own workload key")
struct RemoteNodeSecretTests {
    @Test("the per-node set has no `default` secret and no byte of the gateway's workload key; credentials and ROOTCA stay")
    func perNodeSet() throws {
        let snapshot = try MeshFixture.compile()
        let key = try #require(MeshFixture.pki.get().material.workload?.privateKeyPEM)
        // The control plane's own snapshot carries it (the co-located gateway uses it).
        #expect(XDSResourceSet(snapshot: snapshot)[XDSTypeURL.secret]["default"] != nil)

        let set = XDSResourceSet(snapshot: snapshot, node: DataPlaneNode(id: "edge-1", roles: [.gateway]))
        #expect(set[XDSTypeURL.secret]["default"] == nil)
        #expect(set[XDSTypeURL.secret]["ROOTCA"] != nil)
        #expect(set[XDSTypeURL.secret]["kubernetes://default/bookinfo-cert"] != nil)
        #expect(set.notes.contains { $0.resourceName == "default" && $0.typeURL == XDSTypeURL.secret })
        let keyBody = Data(key.split(separator: "\n").dropFirst().first.map { String($0) }?.utf8 ?? "".utf8)
        #expect(!keyBody.isEmpty)
        for resources in set.resources.values {
            for resource in resources.values { #expect(resource.resource.value.range(of: keyBody) == nil) }
        }
    }

    @Test("forRemoteNode keeps the workload-certificate reference, without material, and changes nothing else")
    func forRemoteNode() throws {
        let snapshot = try MeshFixture.compile()
        let remote = snapshot.forRemoteNode()
        let workload = try #require(remote.secret(named: "default"))
        #expect(workload.source == .workloadCertificate && workload.material == nil)
        #expect(remote.secret(named: "ROOTCA") == snapshot.secret(named: "ROOTCA"))
        #expect(remote.secrets.count == snapshot.secrets.count)
        #expect(remote.clusters == snapshot.clusters && remote.listeners == snapshot.listeners)
        let meshbox = MeshboxResources.resources(of: remote)[MeshboxTypeURL.secret]?["default"]
        let value = try MeshboxResources.value(
            Snapshot.SecretReference.self, from: try #require(meshbox).resource, name: "default")
        #expect(value.material == nil)
    }
}
