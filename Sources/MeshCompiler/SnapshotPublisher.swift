public import MeshAPI
import MeshCore
public import MeshModel
import Synchronization

/// Compiles snapshots from config and registry updates and publishes them, newest only.
///
/// A burst of changes is coalesced: after a change the publisher waits `debounce` and compiles
/// once with the newest config and registry state. The version grows by one only when the
/// compiled content changed.
public actor SnapshotPublisher: SnapshotSource {
    private let watch = Watch<Snapshot>(.empty)
    private let options: SnapshotCompiler.Options
    private let debounce: Duration
    private let clock: any Clock<Duration>
    private let metrics = CompilerMetrics()
    private let inputs = InputsBox()
    /// How many times the compiler ran (for tests and diagnostics).
    public private(set) var compilations = 0

    private final class InputsBox: Sendable {
        let state = Mutex(Inputs())

        func withLock<R: Sendable>(_ body: (inout Inputs) -> R) -> R { state.withLock { body(&$0) } }
    }

    private struct Inputs: Sendable {
        var config: ConfigState?
        var registry: RegistryState?
        /// nil: no CA stream; `.some(nil)`: the stream said the ca role has no material yet.
        var ca: MeshCAMaterial??
        /// Key sets fetched for RequestAuthentication `jwksUri`s (`JWKSFetcher`), by URI.
        var jwks: [String: String] = [:]
        /// Grows with every input change, so a pending wake-up after a compile that already
        /// saw the newest inputs is skipped.
        var generation: UInt64 = 0
    }

    public init(
        options: SnapshotCompiler.Options = .init(),
        debounce: Duration = .milliseconds(20),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.options = options
        self.debounce = debounce
        self.clock = clock
    }

    public nonisolated func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot> {
        let whole = watch.updates()
        if node.roles == DataPlaneNode.wholeMesh.roles { return whole }
        // Scoped on the subscriber's side of the watch: the newest only, as the watch itself does.
        let (stream, continuation) = AsyncStream.makeStream(of: Snapshot.self, bufferingPolicy: .bufferingNewest(1))
        let relay = Task {
            for await snapshot in whole { continuation.yield(snapshot.scoped(to: node)) }
            continuation.finish()
        }
        continuation.onTermination = { _ in relay.cancel() }
        return stream
    }

    /// The snapshot now.
    public nonisolated var current: Snapshot { watch.current }

    /// Consumes the streams until the task is cancelled or config and registry end; then ends every
    /// subscriber's stream. With a `ca` stream (the ca role in this process), the first snapshot waits
    /// for its first value too, and every new material (a renewal, a root rotation) compiles again.
    public func run(
        config: AsyncStream<ConfigState>, registry: AsyncStream<RegistryState>,
        ca: AsyncStream<MeshCAMaterial?>? = nil, jwks: AsyncStream<[String: String]>? = nil
    ) async {
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // Children say whether they were config or registry: those two decide when the run ends.
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [inputs] in
                for await state in config {
                    inputs.withLock {
                        $0.config = state
                        $0.generation += 1
                    }
                    wake.yield()
                }
                return true
            }
            group.addTask { [inputs] in
                for await state in registry {
                    inputs.withLock {
                        $0.registry = state
                        $0.generation += 1
                    }
                    wake.yield()
                }
                return true
            }
            if let ca {
                group.addTask { [inputs] in
                    for await material in ca {
                        inputs.withLock {
                            $0.ca = .some(material)
                            $0.generation += 1
                        }
                        wake.yield()
                    }
                    return false
                }
            }
            if let jwks {
                group.addTask { [inputs] in
                    for await documents in jwks {
                        inputs.withLock {
                            $0.jwks = documents
                            $0.generation += 1
                        }
                        wake.yield()
                    }
                    return false
                }
            }
            group.addTask { [self] in
                await self.compileLoop(wakeups, waitsForCA: ca != nil)
                return false
            }
            // Both inputs ended (or cancellation): stop the compile loop and the CA stream too.
            var ended = 0
            while ended < 2, let primary = await group.next() {
                if primary { ended += 1 }
            }
            wake.finish()
            group.cancelAll()
            await group.waitForAll()
        }
        watch.finish()
    }

    private func compileLoop(_ wakeups: AsyncStream<Void>, waitsForCA: Bool) async {
        var compiledGeneration: UInt64 = 0
        for await _ in wakeups {
            do { try await clock.sleep(for: debounce) } catch { return }
            let (config, registry, ca, jwks, generation) = inputs.withLock {
                ($0.config, $0.registry, $0.ca, $0.jwks, $0.generation)
            }
            // Wait for the first value of every input so the first snapshot is not missing endpoints
            // or the gateway's mesh identity.
            guard let config, let registry, generation != compiledGeneration else { continue }
            if waitsForCA, ca == nil { continue }
            compiledGeneration = generation
            publish(config: config, registry: registry, ca: ca ?? nil, jwks: jwks)
        }
    }

    private func publish(config: ConfigState, registry: RegistryState, ca: MeshCAMaterial?, jwks: [String: String]) {
        let previous = watch.current
        let start = ContinuousClock.now
        let compiled = SnapshotCompiler.compile(
            config: config, registry: registry, version: previous.version + 1, options: options, ca: ca, jwks: jwks)
        compilations += 1
        metrics.recordCompilation(ContinuousClock.now - start)
        guard !compiled.hasSameContent(as: previous) || previous.version == 0 else { return }
        watch.send(compiled)
        metrics.recordVersion(compiled.version)
    }
}
