import Foundation
import MeshAPI
import MeshCompiler
import MeshCore
import MeshModel
import MeshTesting
import Testing

/// The ca role's material as the publisher's third input: the first snapshot waits for it, and a
/// renewal (new material) makes a new snapshot without any config or registry change.
@Suite("SnapshotPublisher: CA material")
struct SnapshotPublisherCATests {
    static let rule = MeshCAMaterialCompilationTests.istioMutualRule

    static func workloadChain(_ snapshot: Snapshot) -> String? {
        snapshot.secrets.first { $0.name == "default" }?.material?.certificateChainPEM
    }

    @Test("with a CA stream the first snapshot carries the material; renewed material is a new snapshot")
    func followsMaterial() async throws {
        let (configs, config) = AsyncStream.makeStream(of: ConfigState.self)
        let (registries, registry) = AsyncStream.makeStream(of: RegistryState.self)
        let (materials, material) = AsyncStream.makeStream(of: MeshCAMaterial?.self)
        let publisher = SnapshotPublisher(debounce: .milliseconds(5))
        let run = Task { await publisher.run(config: configs, registry: registries, ca: materials) }
        defer { run.cancel() }

        registry.yield(Fixtures.registry([Fixtures.instance("ratings", "10.1.0.1", port: 9090, portName: "grpc")]))
        config.yield(try Fixtures.config(ClusterPolicyTests.ratings + "\n---\n" + Self.rule))
        // Config and registry alone do not make a snapshot while the CA's first value is missing.
        try await Task.sleep(for: .milliseconds(100))
        #expect(publisher.current.version == 0)

        material.yield(MeshCAMaterialCompilationTests.material())
        let first = try await waitFor("the first snapshot", in: publisher.snapshots()) { $0.version >= 1 }
        #expect(Self.workloadChain(first) == MeshCAMaterialCompilationTests.workload.certificateChainPEM)

        var renewed = MeshCAMaterialCompilationTests.workload
        renewed.certificateChainPEM = "-----BEGIN CERTIFICATE-----\ncmVuZXdlZA==\n-----END CERTIFICATE-----\n"
        material.yield(MeshCAMaterialCompilationTests.material(workload: renewed))
        let second = try await waitFor("the renewed snapshot", in: publisher.snapshots()) { $0.version >= 2 }
        #expect(Self.workloadChain(second) == renewed.certificateChainPEM)
        #expect(second.configRevision == first.configRevision)
    }
}
