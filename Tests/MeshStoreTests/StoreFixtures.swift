import MeshAPI
import MeshModel
import MeshTesting

@testable import MeshStore

/// Opens a store in a fresh temporary directory, runs `body`, closes and removes it.
func withStore(
    options: ConfigStore.Options = .init(),
    _ body: (ConfigStore, TemporaryDirectory) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory(prefix: "meshstore-test")
    defer { directory.remove() }
    let store = try ConfigStore(path: directory.file("config.db"), options: options)
    do {
        try await body(store, directory)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

/// Resources whose empty spec is valid (Istio accepts an empty PeerAuthentication and
/// AuthorizationPolicy), told apart by labels so tests stay valid as the specs grow.
func policy(_ name: String, namespace: String = "default", version: String = "v1") -> Resource {
    Resource(
        metadata: ObjectMeta(name: name, namespace: namespace, labels: ["app": name, "version": version]),
        spec: .peerAuthentication(PeerAuthenticationSpec())
    )
}

func authorization(_ name: String, namespace: String = "default", version: String = "v1") -> Resource {
    Resource(
        metadata: ObjectMeta(name: name, namespace: namespace, labels: ["app": name, "version": version]),
        spec: .authorizationPolicy(AuthorizationPolicySpec())
    )
}

func policyKey(_ name: String, namespace: String = "default") -> ResourceKey {
    ResourceKey(kind: .peerAuthentication, namespace: namespace, name: name)
}

extension ConfigStore {
    /// Every stored resource as plain resources, sorted by key.
    func allResources() -> [Resource] {
        list(kind: nil, namespace: nil, selector: nil).map(\.resource)
    }
}
