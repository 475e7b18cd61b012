public import ServiceLifecycle

/// The config role in the process's service group: it owns the `ConfigStore` for the life of
/// the process. The store serves calls from the moment it is opened; `run()` only waits for
/// graceful shutdown, then ends every watch and closes the file.
///
/// Its place in the group does not matter to watchers: when it closes the store their
/// streams end, and they stop on their own.
public struct ConfigRole: Service {
    public let store: ConfigStore

    /// - Parameter store: the opened store (`ConfigStore(path:options:logger:)`).
    public init(store: ConfigStore) {
        self.store = store
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}
