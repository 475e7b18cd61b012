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
    private let jwksUpdates: AsyncStream<[String: String]>?

    /// - Parameters:
    ///   - caUpdates: the ca role's material when it runs in this process (`GatewayIdentity.material`).
    ///   - jwksUpdates: key sets fetched for RequestAuthentication `jwksUri`s (`JWKSFetcher.documents`).
    public init(
        publisher: SnapshotPublisher,
        configUpdates: AsyncStream<ConfigState>,
        registryUpdates: AsyncStream<RegistryState>,
        caUpdates: AsyncStream<MeshCAMaterial?>? = nil,
        jwksUpdates: AsyncStream<[String: String]>? = nil
    ) {
        self.publisher = publisher
        self.configUpdates = configUpdates
        self.registryUpdates = registryUpdates
        self.caUpdates = caUpdates
        self.jwksUpdates = jwksUpdates
    }

    public func run() async throws {
        let publisher = publisher
        let config = configUpdates
        let registry = registryUpdates
        let ca = caUpdates
        let jwks = jwksUpdates
        await cancelWhenGracefulShutdown {
            await publisher.run(config: config, registry: registry, ca: ca, jwks: jwks)
        }
    }
}
