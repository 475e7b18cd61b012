import Foundation
import MeshTesting
import NIOCore
import NIOPosix
import Testing

/// The real binary under a low open-descriptor limit (`ulimit -n 256` in the shell that starts
/// it): more idle connections to the gateway than the process has descriptors must not take the
/// console, `/healthz` or the gateway down, and the gateway says in its log that it is at its limit.
@Suite("Descriptor budget through the real server")
struct DescriptorLimitThroughServerTests {
    @Test("300 idle gateway connections under ulimit -n 256: /healthz and a new gateway request are still answered")
    func idleFloodUnderLowLimit() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-nofile")
        defer { directory.remove() }
        let data = directory.path + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let log = directory.path + "/server.log"
        var environment = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "MESHBOX_SERVER", "MESHBOX_TOKEN", "MESHBOX_DATA_DIR"] {
            environment[key] = nil
        }
        // `ulimit -n` sets the soft and the hard limit: meshbox cannot raise it.
        let server = try ChildProcess(
            executable: "/bin/sh",
            arguments: [
                "-c", "ulimit -n 256 && exec \"$0\" \"$@\"", MeshboxProcess.binaryPath(), "serve", "--data-dir", data,
                "--console-listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1", "--gateway-threads", "1",
            ],
            environment: environment, standardOutput: log, standardError: log)
        defer {
            server.signal(SIGKILL)
            _ = server.waitUntilExit()
        }
        let serverLog = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        try await eventually("meshbox to write console.url", timeout: .seconds(30)) {
            guard server.isRunning else { throw TimedOut("meshbox exited early: \(serverLog())") }
            return FileManager.default.fileExists(atPath: data + "/console.url")
        }
        let consoleText = try String(contentsOfFile: data + "/console.url", encoding: .utf8)
        let consolePort = try #require(URL(string: consoleText.trimmingCharacters(in: .whitespacesAndNewlines))?.port)
        let token = try String(contentsOfFile: data + "/admin-token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let cli = ["MESHBOX_SERVER": "http://127.0.0.1:\(consolePort)", "MESHBOX_TOKEN": token]
        #expect(serverLog().contains("descriptors.limit=256") || serverLog().contains("\"descriptors.limit\":\"256\""), "\(serverLog())")

        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await TestBackend.start(name: "v1", group: group)
        let port = try FreePort.take()
        let file = directory.path + "/gateway.yaml"
        try """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: http, protocol: HTTP}
                hosts: ["shop.example.com"]
            ---
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: shop, namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: ["shop.example.com"]
              gateways: ["edge"]
              http:
              - route: [{destination: {host: shop}}]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let apply = try await runMeshboxCLI(["apply", "-f", file], environment: cli)
        #expect(apply.status == 0, "stderr: \(apply.stderr)")
        let register = try await runMeshboxCLI(
            ["register", "--service", "shop", "--address", "127.0.0.1", "--port", "http:\(backend.port)"], environment: cli)
        #expect(register.status == 0, "stderr: \(register.stderr)")
        try await eventually("the gateway to route to the backend") {
            let response = try? await ProxyClient.request(port: port, "GET", "/", host: "shop.example.com", group: group)
            return response?.status == 200
        }

        // More idle connections than the whole process may have descriptors.
        var idle: [ByteConnection] = []
        for _ in 0..<300 {
            guard let connection = try? await ByteConnection.connect(port: port, group: group) else { continue }
            idle.append(connection)
        }
        try await eventually("the console's /healthz to answer", timeout: .seconds(30)) {
            let health = try? await ProxyClient.request(port: consolePort, "GET", "/healthz", host: "127.0.0.1", group: group)
            return health?.status == 200
        }
        try await eventually("a new gateway request to be answered", timeout: .seconds(30)) {
            let response = try? await ProxyClient.request(port: port, "GET", "/fresh", host: "shop.example.com", group: group)
            return response?.status == 200 && response?.text == "v1"
        }
        try await eventually("the log to say the gateway is at its limit") {
            serverLog().contains("the gateway is at its connection limit")
        }
        #expect(server.isRunning)
        for connection in idle { await connection.close() }
        await backend.stop()
    }
}
