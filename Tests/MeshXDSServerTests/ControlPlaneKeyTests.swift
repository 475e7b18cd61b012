import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshXDS
import MeshXDSProto
import SwiftProtobuf
import Testing

@testable import MeshXDSServer

@Suite("No private key of the control plane leaves it over xDS", .timeLimit(.minutes(1)))
struct ControlPlaneKeyTests {
    typealias M = MeshboxNodeFixtures

    static let controlPlaneKey = "-----BEGIN PRIVATE KEY-----\nCONTROL-PLANE-WORKLOAD-KEY\n-----END PRIVATE KEY-----\n"
    static let credentialKey = "-----BEGIN PRIVATE KEY-----\nGATEWAY-CREDENTIAL-KEY\n-----END PRIVATE KEY-----\n"

    /// The gateway's own mesh identity (`default`, with its key as the ca role gives it), the mesh
    /// bundle, and a Gateway credential.
    static let secrets = [
        Snapshot.SecretReference(
            name: "default", kind: .certificate, source: .workloadCertificate,
            material: .init(certificateChainPEM: "WORKLOAD-CHAIN", privateKeyPEM: controlPlaneKey)),
        Snapshot.SecretReference(
            name: "ROOTCA", kind: .validationContext, source: .meshTrustBundle, material: .init(trustedCAsPEM: "MESH-BUNDLE")),
        Snapshot.SecretReference(
            name: "kubernetes://default/web-cert", kind: .certificate, source: .credential(name: "default/web-cert"),
            material: .init(certificateChainPEM: "WEB-CHAIN", privateKeyPEM: credentialKey)),
    ]

    static func contains(_ text: String, in responses: [Google_Protobuf_Any]) -> Bool {
        let needle = Data(text.utf8)
        return responses.contains { $0.value.range(of: needle) != nil }
    }

    @Test("a meshbox node gets the workload-certificate reference without material; the credential and bundle it needs arrive")
    func meshboxNode() async throws {
        let watch = Watch(M.snapshot(secrets: Self.secrets))
        try await ADSTestServer.serve(source: M.WatchSource(watch: watch), translate: XDSServer.meshTranslation) {
            _, port in
            let received = try await ADSTestClient.delta(port: port) { stream in
                try await M.fetchAll(stream, node: M.node("edge-5"))
            }
            let all = received.values.flatMap(\.values)
            #expect(!Self.contains("CONTROL-PLANE-WORKLOAD-KEY", in: all))
            #expect(!Self.contains("WORKLOAD-CHAIN", in: all))
            // What may travel does: the check above can find a key.
            #expect(Self.contains("GATEWAY-CREDENTIAL-KEY", in: all))
            let secrets = try MeshboxResources.snapshot(from: received, version: 1).secrets
            let workload = try #require(secrets.first { $0.name == "default" })
            #expect(workload.source == .workloadCertificate)
            #expect(workload.kind == .certificate)
            #expect(workload.material == nil)
            #expect(secrets.first { $0.name == "ROOTCA" }?.material?.trustedCAsPEM == "MESH-BUNDLE")
        }
    }

    @Test("an Envoy is not sent the workload certificate (no `default` secret), over delta and state of the world")
    func envoy() async throws {
        let watch = Watch(M.snapshot(secrets: Self.secrets))
        try await ADSTestServer.serve(source: M.WatchSource(watch: watch), translate: XDSServer.meshTranslation) {
            _, port in
            let delta = try await ADSTestClient.delta(port: port) { stream in
                try await stream.exchange(ADSFixtures.delta(XDSTypeURL.secret, node: "edge-6"))
            }
            #expect(delta.names.sorted() == ["ROOTCA", "kubernetes://default/web-cert"])
            #expect(!Self.contains("CONTROL-PLANE-WORKLOAD-KEY", in: delta.resources.map(\.resource)))
            #expect(Self.contains("GATEWAY-CREDENTIAL-KEY", in: delta.resources.map(\.resource)))
            let sotw = try await ADSTestClient.sotw(port: port) { stream in
                try await stream.exchange(
                    ADSFixtures.sotw(
                        XDSTypeURL.secret, names: ["default", "ROOTCA", "kubernetes://default/web-cert"], node: "edge-7"))
            }
            #expect(sotw.resources.count == 2)
            #expect(!Self.contains("CONTROL-PLANE-WORKLOAD-KEY", in: sotw.resources))
        }
    }
}
