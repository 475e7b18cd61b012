import Foundation
import Logging
import MeshAPI
import MeshCompiler
import MeshModel
import MeshNet
import MeshTesting
import Synchronization

extension GatewayHarness {
    /// A Gateway `gw` on the harness's port for its host, in `namespace` with `selector` as its
    /// workload labels, and a VirtualService in `default` routing everything to `app`.
    func authorizationGateway(namespace: String = "default", selector: [String: String] = [:]) -> String {
        let labels = selector.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        return """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: \(namespace)}
            spec:
              selector: {\(labels)}
              servers:
              - port: {number: \(port), name: http, protocol: HTTP}
                hosts: ["\(host)"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: app, namespace: default}
            spec:
              hosts: ["\(host)"]
              gateways: ["\(namespace)/gw"]
              http:
              - route: [{destination: {host: app}}]

            """
    }

    /// Compiles exactly `yaml` (its Gateways, no built-in one) plus a Service `app` in `default`
    /// whose instances are the backends, and serves it.
    @discardableResult
    func serveExactly(_ yaml: String, backends: [TestBackend], version: UInt64 = 1) async throws
        -> DataPlane.ApplyReport
    {
        try await Self.serveExactly(yaml, backends: backends, version: version, on: plane)
    }

    @discardableResult
    static func serveExactly(
        _ yaml: String,
        backends: [TestBackend],
        version: UInt64 = 1,
        on plane: DataPlane
    ) async throws -> DataPlane.ApplyReport {
        let service = """
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: app, namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}

            """
        let snapshot = try compile(
            service + "---\n" + yaml, endpoints: backends.map { (name: $0.name, port: $0.port) }, version: version)
        return await plane.apply(snapshot)
    }

    /// An AuthorizationPolicy document.
    static func authorizationPolicy(_ name: String, in namespace: String = "default", _ spec: String) -> String {
        """
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: \(name), namespace: \(namespace)}
        spec: \(spec)

        """
    }
}

/// Log records kept in memory, for asserting what the engine logged.
final class AuthorizationLogRecorder: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])
    var all: [Record] { records.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "test.gateway.authz") { _ in Handler(recorder: self) }
        logger.logLevel = .info
        return logger
    }

    fileprivate func append(_ record: Record) { records.withLock { $0.append(record) } }

    private struct Handler: LogHandler {
        let recorder: AuthorizationLogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            recorder.append(
                .init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
            )
        }
    }
}
