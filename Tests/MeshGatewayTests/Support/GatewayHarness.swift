import Foundation
import Logging
import MeshAPI
import MeshCompiler
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix

/// The real engine on 127.0.0.1 with real backends: config written as users write it (YAML),
/// compiled by the real compiler, served by a `DataPlane` on two event loops.
final class GatewayHarness: Sendable {
    let group: MultiThreadedEventLoopGroup
    let plane: DataPlane
    let port: Int
    let host = "app.example.com"

    /// - Parameter logger: where the engine logs; nil for warnings and worse on the console.
    init(
        settings: ProxySettings = ProxySettings(), accessLog: AccessLogTarget? = nil, threads: Int = 2, logger: Logger? = nil
    ) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var quiet = Logger(label: "test.gateway")
        quiet.logLevel = .warning
        let logger = logger ?? quiet
        var settings = settings
        settings.drainTimeout = .milliseconds(300)
        plane = DataPlane(group: group, settings: settings, accessLog: accessLog, logger: logger)
        port = try FreePort.take()
    }

    func backends(_ names: [String], behaviour: TestBackend.Behaviour = .ok) async throws -> [TestBackend] {
        var started: [TestBackend] = []
        for name in names { started.append(try await TestBackend.start(name: name, behaviour: behaviour, group: group)) }
        return started
    }

    /// A Gateway on `port` for `host`, a Service `app` on port 80, plus `extra` resources (a
    /// VirtualService at least). Backends become instances of `app` labelled `version=<name>`.
    @discardableResult
    func apply(_ extra: String, backends: [TestBackend], service: String = "app", version: UInt64 = 1,
               unhealthy: Set<String> = []) async throws -> DataPlane.ApplyReport {
        try await apply(
            extra, endpoints: backends.map { (name: $0.name, port: $0.port) }, service: service, version: version,
            unhealthy: unhealthy)
    }

    /// The same for any servers on 127.0.0.1: `name` becomes the instance's `version` label.
    @discardableResult
    func apply(_ extra: String, endpoints backends: [(name: String, port: Int)], service: String = "app",
               version: UInt64 = 1, unhealthy: Set<String> = []) async throws -> DataPlane.ApplyReport {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: http, protocol: HTTP}
                hosts: ["\(host)"]
            ---
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: \(service), namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}
            ---
            \(extra)
            """
        let snapshot = try Self.compile(
            yaml, endpoints: backends, service: service, version: version, unhealthy: unhealthy)
        return await plane.apply(snapshot)
    }

    /// What the real compiler makes of `yaml` (as users write it) with `endpoints` as the healthy
    /// (or, named in `unhealthy`, critical) instances of `service`, labelled `version=<name>`.
    static func compile(
        _ yaml: String, endpoints backends: [(name: String, port: Int)], service: String = "app", version: UInt64 = 1,
        unhealthy: Set<String> = []
    ) throws -> Snapshot {
        let resources = try ResourceDecoder.decode(yaml)
        var stored: [ResourceKey: StoredResource] = [:]
        for resource in resources {
            stored[resource.key] = StoredResource(
                resource: resource, revision: 1, createRevision: 1, version: 1, updatedAt: Date(timeIntervalSince1970: 0))
        }
        var instances: [String: Instance] = [:]
        for backend in backends {
            let id = "default/\(service)/127.0.0.1:\(backend.port)"
            let date = Date(timeIntervalSince1970: 0)
            instances[id] = Instance(
                id: id, service: service, namespace: "default", address: "127.0.0.1",
                ports: [InstancePort(name: "http", number: backend.port)], labels: ["version": backend.name],
                node: "node-1", weight: 1, check: nil, source: .api,
                health: unhealthy.contains(backend.name) ? .critical : .passing, healthOutput: "", registeredAt: date,
                healthChangedAt: date)
        }
        return SnapshotCompiler.compile(
            config: ConfigState(revision: Int64(version), resources: stored),
            registry: RegistryState(revision: Int64(version), instances: instances), version: version,
            options: .init(listenerAddress: "127.0.0.1"))
    }

    func client() async throws -> ProxyClient {
        try await ProxyClient.connect(port: port, group: group)
    }

    func shutdown(_ backends: [TestBackend] = []) async {
        for backend in backends { await backend.stop() }
        await plane.shutdown()
        try? await group.shutdownGracefully()
    }
}
