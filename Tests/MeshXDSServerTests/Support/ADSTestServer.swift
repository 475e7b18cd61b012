import Logging
import MeshAPI
import MeshCore
import MeshModel
import MeshXDSServer
import Synchronization

/// A real `XDSServer` on 127.0.0.1 (a free port) over a snapshot source the test drives: each
/// `publish` is a new snapshot version, translated to the `ADSFixtures.Mesh` published with it.
final class ADSTestServer: SnapshotSource {
    private let watch: Watch<Snapshot>
    private let meshes: Mutex<[UInt64: ADSFixtures.Mesh]>
    /// The nodes the server subscribed for, in order.
    let subscribed = Mutex<[DataPlaneNode]>([])

    init(_ mesh: ADSFixtures.Mesh) {
        watch = Watch(Snapshot(version: 1))
        meshes = Mutex([1: mesh])
    }

    func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot> {
        subscribed.withLock { $0.append(node) }
        return watch.updates()
    }

    func publish(_ mesh: ADSFixtures.Mesh) {
        let version = watch.current.version + 1
        meshes.withLock { $0[version] = mesh }
        watch.send(Snapshot(version: version))
    }

    func resources(for snapshot: Snapshot) -> XDSServedResources {
        meshes.withLock { $0[snapshot.version] }?.resources ?? XDSServedResources()
    }

    /// Runs a server over this harness for `body`, then stops it.
    static func with<R: Sendable>(
        _ mesh: ADSFixtures.Mesh,
        security: XDSServer.Security = .plaintextLoopbackForTesting,
        maxConcurrentStreams: Int = 100,
        _ body: (ADSTestServer, XDSServer, Int) async throws -> R
    ) async throws -> R {
        let harness = ADSTestServer(mesh)
        return try await serve(
            source: harness,
            translate: { snapshot, _ in harness.resources(for: snapshot) },
            security: security,
            maxConcurrentStreams: maxConcurrentStreams
        ) {
            try await body(harness, $0, $1)
        }
    }

    /// Runs a server over any source and translation on 127.0.0.1 for `body`, then stops it.
    static func serve<R: Sendable>(
        source: any SnapshotSource,
        translate: @escaping XDSTranslate,
        security: XDSServer.Security = .plaintextLoopbackForTesting,
        maxConcurrentStreams: Int = 100,
        envoyIdentity: XDSEnvoyIdentityIssue? = nil,
        _ body: (XDSServer, Int) async throws -> R
    ) async throws -> R {
        var logger = Logger(label: "xds-test")
        logger.logLevel = .warning
        let server = try XDSServer(
            configuration: .init(
                host: "127.0.0.1", port: 0, security: security, maxConcurrentStreams: maxConcurrentStreams),
            source: source,
            translate: translate,
            envoyIdentity: envoyIdentity,
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            guard let port = try await server.listeningPort() else { throw TestFailure("the ADS server bound no port") }
            return try await body(server, port)
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
