public import MeshAPI
public import ServiceLifecycle

/// The compiler as a service of the service group: feeds config and registry updates to its
/// `SnapshotPublisher` until graceful shutdown.
///
/// ```swift
/// let role = CompilerRole(publisher: SnapshotPublisher(), configUpdates: store.watch(), registryUpdates: registry.watch())
/// // data planes subscribe with `role.publisher.snapshots()`
/// ```
public struct CompilerRole: Service {
    public let publisher: SnapshotPublisher
    private let configUpdates: AsyncStream<ConfigState>
    private let registryUpdates: AsyncStream<RegistryState>
    private let caUpdates: AsyncStream<MeshCAMaterial?>?

    /// - Parameter caUpdates: the ca role's material when it runs in this process (`GatewayIdentity.material`).
    public init(
        publisher: SnapshotPublisher,
        configUpdates: AsyncStream<ConfigState>,
        registryUpdates: AsyncStream<RegistryState>,
        caUpdates: AsyncStream<MeshCAMaterial?>? = nil
    ) {
        self.publisher = publisher
        self.configUpdates = configUpdates
        self.registryUpdates = registryUpdates
        self.caUpdates = caUpdates
    }

    public func run() async throws {
        let publisher = publisher
        let config = configUpdates
        let registry = registryUpdates
        let ca = caUpdates
        await cancelWhenGracefulShutdown {
            await publisher.run(config: config, registry: registry, ca: ca)
        }
    }
}
