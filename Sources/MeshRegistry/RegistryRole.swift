public import MeshAPI
public import ServiceLifecycle

/// The registry as a service of the service group.
///
/// The `Registry` is live from its init (checks run, the API answers); this service feeds it the
/// config states (for ServiceEntry endpoints) and shuts it down on graceful shutdown or
/// cancellation: checks and timers stop, watches end, the database closes.
///
/// ```swift
/// let registry = try await Registry(path: dataDirectory + "/registry.sqlite", eventLoopGroup: group, logger: logger)
/// let role = RegistryRole(registry: registry, configUpdates: configStore.watch())
/// // add `role` to the ServiceGroup after the config role
/// ```
public struct RegistryRole: Service {
    public let registry: Registry
    private let configUpdates: AsyncStream<ConfigState>?

    public init(registry: Registry, configUpdates: AsyncStream<ConfigState>? = nil) {
        self.registry = registry
        self.configUpdates = configUpdates
    }

    public func run() async throws {
        if let configUpdates {
            for await config in configUpdates.cancelOnGracefulShutdown() {
                await registry.applyConfig(config)
            }
        }
        // The config stream may end before shutdown (its role stopped): keep the last config.
        try? await gracefulShutdown()
        await registry.shutdown()
    }
}
