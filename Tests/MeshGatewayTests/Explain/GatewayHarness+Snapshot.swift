import Foundation
import MeshAPI
import MeshCompiler
import MeshModel
import MeshNet
import MeshTesting

extension GatewayHarness {
    /// The snapshot `apply(_:backends:…)` serves, compiled the same way by the real compiler, and
    /// served by the plane: Explain is then asked about exactly what the engine runs.
    func serve(
        _ extra: String,
        backends: [TestBackend],
        unhealthy: Set<String> = [],
        version: UInt64 = 1
    ) async throws -> Snapshot {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              selector: {app: edge}
              servers:
              - port: {number: \(port), name: http, protocol: HTTP}
                hosts: ["\(host)"]
            ---
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: app, namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}
            ---
            \(extra)
            """
        let snapshot = try Self.compile(
            yaml, endpoints: backends.map { (name: $0.name, port: $0.port) }, version: version, unhealthy: unhealthy)
        _ = await plane.apply(snapshot)
        return snapshot
    }

}
