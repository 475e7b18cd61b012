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
    /// Resolves the names of DNS ServiceEntries; without it they have no instances.
    private let resolver: ServiceEntryResolver?

    public init(registry: Registry, configUpdates: AsyncStream<ConfigState>? = nil, resolver: ServiceEntryResolver? = nil) {
        self.registry = registry
        self.configUpdates = configUpdates
        self.resolver = resolver
    }

    public func run() async throws {
        if let configUpdates {
            if let resolver {
                await resolver.run(configs: configUpdates.cancelOnGracefulShutdown(), registry: registry)
            } else {
                for await config in configUpdates.cancelOnGracefulShutdown() {
                    await registry.applyConfig(config)
                }
            }
        }
        // The config stream may end before shutdown (its role stopped): keep the last config.
        try? await gracefulShutdown()
        await registry.shutdown()
    }
}
