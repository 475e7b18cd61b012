import Foundation
import MeshAPI
import MeshCompiler
import MeshCore
import MeshModel
import MeshTesting
import Testing

@Suite("SnapshotPublisher")
struct SnapshotPublisherTests {
    /// The bookinfo config with the split rule's timeout set to `seconds`.
    static func config(timeout seconds: Int, revision: Int64) throws -> ConfigState {
        let yaml = try Fixtures.bookinfo().replacingOccurrences(of: "timeout: 10s", with: "timeout: \(seconds)s")
        return try Fixtures.config(yaml, revision: revision)
    }

    static func splitTimeout(_ snapshot: Snapshot) -> Duration? {
        guard case .route(let action) = snapshot.routeConfiguration(named: "http.8080")?.virtualHosts.first?.routes.last?.action
        else { return nil }
        return action.timeout
    }

    @Test("a burst of config changes is compiled far fewer times, and the last state wins")
    func coalescesBursts() async throws {
        let (configs, config) = AsyncStream.makeStream(of: ConfigState.self)
        let (registries, registry) = AsyncStream.makeStream(of: RegistryState.self)
        let publisher = SnapshotPublisher(debounce: .milliseconds(50))
        let run = Task { await publisher.run(config: configs, registry: registries) }
        defer { run.cancel() }

        registry.yield(Fixtures.registry(Fixtures.reviewsInstances()))
        for revision in 1...10 {
            config.yield(try Self.config(timeout: revision, revision: Int64(revision)))
        }
        let last = try await waitFor("revision 10", in: publisher.snapshots()) { $0.configRevision == 10 }
        #expect(Self.splitTimeout(last) == .seconds(10))
        let compilations = await publisher.compilations
        #expect(compilations >= 1)
        #expect(compilations <= 3)
        #expect(last.version == UInt64(compilations))
        #expect(publisher.current == last)
    }

    @Test("the version grows only when the compiled content changes")
    func versionOnChange() async throws {
        let (configs, config) = AsyncStream.makeStream(of: ConfigState.self)
        let (registries, registry) = AsyncStream.makeStream(of: RegistryState.self)
        let publisher = SnapshotPublisher(debounce: .milliseconds(5))
        let run = Task { await publisher.run(config: configs, registry: registries) }
        defer { run.cancel() }

        registry.yield(Fixtures.registry(Fixtures.reviewsInstances()))
        config.yield(try Self.config(timeout: 10, revision: 1))
        let first = try await waitFor("the first snapshot", in: publisher.snapshots()) { $0.version >= 1 }
        #expect(first.version == 1)
        #expect(first.configRevision == 1)

        // A new revision with the same content compiles but publishes nothing.
        config.yield(try Self.config(timeout: 10, revision: 2))
        try await eventually("the second compilation") { await publisher.compilations == 2 }
        #expect(publisher.current.version == 1)
        #expect(publisher.current.configRevision == 1)

        // A registry change that changes endpoints is a new version.
        var instances = Fixtures.reviewsInstances()
        instances[0].health = .critical
        registry.yield(Fixtures.registry(instances, revision: 2))
        let changed = try await waitFor("the registry change", in: publisher.snapshots()) { $0.registryRevision == 2 }
        #expect(changed.version == 2)
        #expect(changed.configRevision == 2)
    }

    @Test("cancelling the role ends the loop and every subscriber's stream")
    func shutdown() async throws {
        let (configs, config) = AsyncStream.makeStream(of: ConfigState.self)
        let (registries, registry) = AsyncStream.makeStream(of: RegistryState.self)
        let publisher = SnapshotPublisher(debounce: .milliseconds(1))
        let role = CompilerRole(publisher: publisher, configUpdates: configs, registryUpdates: registries)
        let run = Task { try await role.run() }
        config.yield(.empty)
        registry.yield(.empty)
        let first = try await waitFor("the first snapshot", in: publisher.snapshots()) { $0.version == 1 }
        #expect(first.gatewayListeners.isEmpty)

        let subscription = publisher.snapshots()
        run.cancel()
        try await run.value
        var remaining = 0
        for await _ in subscription { remaining += 1 }
        #expect(remaining <= 1)
    }

    @Test("a node's stream carries only its roles' listeners, the whole mesh's carries all")
    func scopedStreams() async throws {
        let (configs, config) = AsyncStream.makeStream(of: ConfigState.self)
        let (registries, registry) = AsyncStream.makeStream(of: RegistryState.self)
        let publisher = SnapshotPublisher(debounce: .milliseconds(5))
        let run = Task { await publisher.run(config: configs, registry: registries) }
        defer { run.cancel() }

        registry.yield(Fixtures.registry(Fixtures.reviewsInstances()))
        config.yield(try Self.config(timeout: 10, revision: 1))
        let whole = try await waitFor("the first snapshot", in: publisher.snapshots()) { $0.version >= 1 }
        #expect(!whole.listeners.isEmpty)
        let gateway = try await waitFor("the gateway's", in: publisher.snapshots(for: .local(roles: [.gateway]))) {
            $0.version >= 1
        }
        #expect(gateway.listeners == whole.listeners.filter { $0.role == .gateway })
        let proxy = try await waitFor("the proxy's", in: publisher.snapshots(for: .local(roles: [.proxy]))) {
            $0.version >= 1
        }
        #expect(proxy.listeners.allSatisfy { $0.role == .proxy })
        #expect(proxy.listeners.count < whole.listeners.count)
        #expect(proxy.clusters == whole.clusters)
    }
}
