import Foundation
import MeshAPI
import MeshRemote
import MeshTesting
import NIOCore
import NIOPosix
import Testing

/// Two real binaries on loopback: a control plane (config, registry, ca, console, with its ADS
/// server) and a remote node (`--roles gateway --control-plane https://127.0.0.1:PORT --join-token
/// T`, its own data dir) that serves the Gateway's traffic from snapshots it takes over delta ADS.
///
/// The control plane runs no gateway of its own: a Gateway's listener address and port are compiled
/// into the snapshot every node gets, so two gateways on one host would bind the same port.
@Suite("A remote node through the real binaries", .timeLimit(.minutes(4)))
struct RemoteNodeThroughServerTests {
    @Test("the node joins and serves; keeps serving with the control plane killed; restarts from its persisted snapshot; catches up with only the differences")
    func remoteNode() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-remote")
        defer { directory.remove() }
        let group = MultiThreadedEventLoopGroup.singleton
        let xdsPort = try FreePort.take()
        let listenerPort = try FreePort.take()
        let controlConfig = directory.file("control.yaml")
        try "nodeName: control-1\nxds:\n  enabled: true\n  listen: 127.0.0.1\n  port: \(xdsPort)\n"
            .write(toFile: controlConfig, atomically: true, encoding: .utf8)
        let nodeConfig = directory.file("node.yaml")
        try "nodeName: edge-1\n".write(toFile: nodeConfig, atomically: true, encoding: .utf8)
        let controlData = directory.file("control")
        let nodeData = directory.file("node")
        try FileManager.default.createDirectory(atPath: nodeData, withIntermediateDirectories: true)

        let controlArguments = ["--config", controlConfig, "--roles", "config,registry,ca,console", "--gateway-listen", "127.0.0.1"]
        var control = try await MeshboxProcess.serve(dataDirectory: controlData, extraArguments: controlArguments)
        defer { control.kill() }
        try await eventually("the ADS server to listen", timeout: .seconds(30)) { control.stderr.contains("xDS server listening") }
        var admin = AdminClient(baseURL: control.consoleURL, token: control.adminToken)
        let backendA = try await TestBackend.start(name: "a", group: group)
        let backendB = try await TestBackend.start(name: "b", group: group)
        _ = try await admin.apply(Self.resources(listenerPort: listenerPort, service: "shop-a"))
        for (service, backend) in [("shop-a", backendA), ("shop-b", backendB)] {
            _ = try await admin.register(
                InstanceRegistration(service: service, address: "127.0.0.1", ports: [InstancePort(name: "http", number: backend.port)]))
        }
        let token = try await admin.createJoinToken(ttl: nil, nodeName: "edge-1").token

        func startNode(joinToken: String?) throws -> MeshboxProcess {
            var arguments = [
                "serve", "--data-dir", nodeData, "--config", nodeConfig, "--roles", "gateway,console", "--console-listen", "127.0.0.1:0",
                "--control-plane", "https://127.0.0.1:\(xdsPort)", "--control-plane-admin", control.consoleURL.absoluteString,
            ]
            if let joinToken { arguments += ["--join-token", joinToken] }
            return try MeshboxProcess(arguments: arguments, dataDirectory: nodeData)
        }
        func served(_ node: MeshboxProcess, by expected: String, _ what: String) async throws {
            try await eventually(what, timeout: .seconds(60)) {
                guard node.process.isRunning else { throw TimedOut("the node exited: \(node.stderr.suffix(3000))") }
                let response = try? await ProxyClient.request(port: listenerPort, "GET", "/", host: "shop.example.com", group: group)
                return response?.status == 200 && response?.text == expected
            }
        }
        func requests(_ count: Int) async throws -> [Int] {
            var statuses: [Int] = []
            for _ in 0..<count {
                let response = try? await ProxyClient.request(port: listenerPort, "GET", "/", host: "shop.example.com", group: group)
                statuses.append(response.map { Int($0.status) } ?? 0)
            }
            return statuses
        }

        // 1. The node joins (the token bought its certificate) and routes through its gateway.
        var node = try startNode(joinToken: token)
        defer { node.kill() }
        try await served(node, by: "a", "the node to route to backend a")
        #expect(node.stderr.contains("Joined the control plane"))
        let identityFile = nodeData + "/node/identity.json"
        let snapshotFile = nodeData + "/node/snapshot.json"
        for file in [identityFile, snapshotFile] {
            let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600, "\(file)")
        }
        // The node's console: ready once it serves a snapshot, and its client's metrics.
        func consolePort() throws -> Int {
            try #require(
                URL(string: try String(contentsOfFile: nodeData + "/console.url", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines))?.port)
        }
        let nodeConsole = try consolePort()
        let ready = try await ProxyClient.request(port: nodeConsole, "GET", "/readyz", host: "127.0.0.1", group: group)
        #expect(ready.status == 200, "\(ready.text)")
        let nodeToken = try String(contentsOfFile: nodeData + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let metrics = try await ProxyClient.request(
            port: nodeConsole, "GET", "/metrics", host: "127.0.0.1", headers: [("authorization", "Bearer \(nodeToken)")], group: group)
        #expect(metrics.text.contains("meshbox_xds_client_connected 1"), "\(metrics.text.prefix(3000))")
        #expect(metrics.text.contains("meshbox_xds_client_resources_received_total"))
        let nodes = try await Self.xdsNodes(control, group: group)
        let edge = try #require(nodes.first { $0["nodeID"] as? String == "edge-1" }, "nodes: \(nodes)")
        #expect(edge["connected"] as? Bool == true)
        #expect(edge["mode"] as? String == "delta")
        #expect(edge["rejections"] as? Int == 0)

        // 2. The control plane dies (SIGKILL, by its PID): the node keeps serving.
        control.kill()
        let whileAway = try await requests(20)
        #expect(whileAway.allSatisfy { $0 == 200 }, "\(whileAway)")

        // 3. The node restarts while the control plane is down: it serves from its persisted snapshot.
        #expect(await node.stop() == 0, "node log: \(node.stderr.suffix(2000))")
        node = try startNode(joinToken: nil)
        try await served(node, by: "a", "the restarted node to serve its persisted snapshot")
        #expect(node.stderr.contains("Serving the persisted snapshot"))
        #expect(!node.stderr.contains("Joined the control plane"))
        try await eventually("the restarted node's console", timeout: .seconds(30)) {
            FileManager.default.fileExists(atPath: nodeData + "/console.url")
        }
        let readyFromFile = try await ProxyClient.request(port: try consolePort(), "GET", "/readyz", host: "127.0.0.1", group: group)
        #expect(readyFromFile.status == 200, "ready from the persisted snapshot: \(readyFromFile.text)")
        let restartedStatuses = try await requests(10)
        #expect(restartedStatuses.allSatisfy { $0 == 200 }, "\(restartedStatuses)")

        // 4. The control plane returns (same data dir, same ADS port): the node reconnects and gets
        //    only the differences, none here.
        control = try await MeshboxProcess.serve(dataDirectory: controlData, extraArguments: controlArguments)
        admin = AdminClient(baseURL: control.consoleURL, token: control.adminToken)
        try await eventually("the node to catch up", timeout: .seconds(90)) { node.stderr.contains("Caught up with the control plane") }
        let caughtUp = try #require(node.stderr.split(separator: "\n").first { $0.contains("Caught up with the control plane") })
        #expect(Self.metadata("xds.resources.received", in: caughtUp) == "0", "\(caughtUp)")
        #expect(Self.metadata("xds.resources.removed", in: caughtUp) == "0", "\(caughtUp)")
        #expect(Self.metadata("xds.resources.held", in: caughtUp).map { Int($0) ?? 0 } ?? 0 >= 4, "\(caughtUp)")
        try await eventually("the control plane to see edge-1 in sync", timeout: .seconds(30)) {
            let back = try await Self.xdsNodes(control, group: group).first { $0["nodeID"] as? String == "edge-1" }
            return back?["connected"] as? Bool == true && back?["inSync"] as? Bool != false
                // One acked version per meshbox-native type: Secret, Cluster, ClusterLoadAssignment,
                // Workload, Listener, RouteConfiguration (MeshboxTypeURL.pushOrder).
                && (back?["ackedVersions"] as? [String: String])?.count == 6
        }

        // 5. A change applied afterwards reaches the node.
        _ = try await admin.apply(Self.resources(listenerPort: listenerPort, service: "shop-b"))
        try await served(node, by: "b", "the node to route to backend b after the change")
        #expect(!node.stderr.contains("Rejected a control-plane update"))

        #expect(await node.stop() == 0, "node log: \(node.stderr.suffix(2000))")
        #expect(await control.stop() == 0)
        await backendA.stop()
        await backendB.stop()
    }

    @Test("a remote node refuses the roles that need a control plane of their own, and needs a token to join")
    func refusals() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-remote")
        defer { directory.remove() }
        let roles = try await runMeshboxCLI([
            "serve", "--data-dir", directory.file("a"), "--roles", "config,registry,gateway",
            "--control-plane", "https://127.0.0.1:1", "--console-listen", "127.0.0.1:0",
        ])
        #expect(roles.status != 0)
        #expect(roles.stderr.contains("a remote node runs only data-plane roles"), "\(roles.stderr)")
        #expect(roles.stderr.contains("config, registry"), "\(roles.stderr)")
        let noToken = try await runMeshboxCLI([
            "serve", "--data-dir", directory.file("b"), "--roles", "gateway", "--control-plane", "https://127.0.0.1:1",
        ])
        #expect(noToken.status != 0)
        #expect(noToken.stderr.contains("--join-token"), "\(noToken.stderr)")
        let plainAdmin = try await runMeshboxCLI([
            "serve", "--data-dir", directory.file("c"), "--roles", "gateway", "--control-plane", "https://cp.example.com:15012",
            "--control-plane-admin", "http://cp.example.com:15000", "--join-token", "x",
        ])
        #expect(plainAdmin.status != 0)
        #expect(plainAdmin.stderr.contains("plain http only to a loopback address"), "\(plainAdmin.stderr)")
    }

    static func resources(listenerPort: Int, service: String) -> String {
        ShopMesh.yaml(listenerPort: listenerPort, destinations: [(service, nil)])
    }

    static func xdsNodes(_ control: MeshboxProcess, group: any EventLoopGroup) async throws -> [[String: Any]] {
        let response = try await ProxyClient.request(
            port: try #require(control.consoleURL.port), "GET", "/api/v1/xds/nodes", host: "127.0.0.1",
            headers: [("authorization", "Bearer \(control.adminToken)")], group: group)
        return (try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [[String: Any]]) ?? []
    }

    /// `key=value` from a text log line.
    static func metadata(_ key: String, in line: Substring) -> String? {
        guard let range = line.range(of: key + "=") else { return nil }
        return String(line[range.upperBound...].prefix { !$0.isWhitespace })
    }
}
