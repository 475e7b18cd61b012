import Foundation
import MeshAPI
import MeshModel
import MeshRemote
import MeshTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("meshbox serve: lifecycle, durability, auth", .serialized)
struct ServerLifecycleTests {
    static let service = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata:
          name: reviews
          namespace: default
          labels: {app: reviews}
        spec:
          ports:
          - name: http
            number: 9080
            protocol: HTTP
        """

    @Test("the restarted binary keeps every resource and the revision")
    func restartKeepsState() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let applied = try await server.client.apply(try example("all-kinds.yaml"))
        #expect(applied.revision == 1)
        _ = try await server.client.apply(Self.service)
        let before = try await server.client.list()
        #expect(await server.process.stop() == 0, "clean shutdown exits 0; stderr: \(server.process.stderr)")

        let again = try await MeshboxProcess.serve(dataDirectory: server.process.dataDirectory)
        defer { again.kill() }
        let client = AdminClient(baseURL: again.consoleURL, token: again.adminToken)
        let after = try await client.list()
        #expect(after.revision == before.revision)
        #expect(after.items == before.items)
        #expect(again.adminToken == server.process.adminToken, "the admin token survives restarts")
        await again.stop()
    }

    @Test("kill -9 right after a successful apply loses nothing")
    func killNineLosesNothing() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        var revisions: [Int64] = []
        for index in 0..<5 {
            let text = Self.service.replacingOccurrences(of: "name: reviews", with: "name: svc\(index)")
            revisions.append(try await server.client.apply(text).revision)
        }
        server.process.kill()
        #expect(revisions == [1, 2, 3, 4, 5])

        let again = try await MeshboxProcess.serve(dataDirectory: server.process.dataDirectory)
        defer { again.kill() }
        let client = AdminClient(baseURL: again.consoleURL, token: again.adminToken)
        let list = try await client.list(kind: .service)
        #expect(list.revision == 5)
        #expect(list.items.map(\.key.name) == ["svc0", "svc1", "svc2", "svc3", "svc4"])
        await again.stop()
    }

    @Test("every /api request without a valid bearer token gets 401; health endpoints need none")
    func authentication() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let anonymous = AdminClient(baseURL: server.process.consoleURL, token: nil)
        let wrong = AdminClient(baseURL: server.process.consoleURL, token: String(repeating: "0", count: 64))
        for (method, path) in [("GET", "/api/v1/resources"), ("POST", "/api/v1/apply"), ("GET", "/api/v1/instances"), ("GET", "/api/v1/revision")] {
            let body = method == "POST" ? Data("x".utf8) : nil
            let (status, _, headers) = try await anonymous.raw(method, path, body: body)
            #expect(status == 401, "\(method) \(path) without token")
            #expect(headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            let (wrongStatus, _, _) = try await wrong.raw(method, path, body: body)
            #expect(wrongStatus == 401, "\(method) \(path) with a wrong token")
        }
        #expect(try await server.client.raw("GET", "/api/v1/revision").0 == 200)
        #expect(try await anonymous.raw("GET", "/healthz").0 == 200)
        #expect(try await anonymous.raw("GET", "/readyz").0 == 200)
        // /metrics needs the token by default (console.metricsAuth: token): some labels name Secrets.
        #expect(try await anonymous.raw("GET", "/metrics").0 == 401)
        let (metricsStatus, metrics, _) = try await server.client.raw("GET", "/metrics")
        #expect(metricsStatus == 200)
        #expect(String(decoding: metrics, as: UTF8.self).contains("meshbox_config_revision"))

        let attributes = try FileManager.default.attributesOfItem(atPath: server.process.dataDirectory + "/admin-token")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        await server.process.stop()
    }

    @Test("a second process on the same data dir is refused with a clear message")
    func dataDirectoryLock() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let result = try await runMeshboxCLI(["serve", "--data-dir", server.process.dataDirectory, "--console-listen", "127.0.0.1:0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("another meshbox process is using it"), "stderr: \(result.stderr)")
        await server.process.stop()
    }

    @Test("bad flags and config files stop start-up with the key path")
    func badStartup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try "console:\n  listn: 127.0.0.1:0\n".write(toFile: directory.file("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try await runMeshboxCLI(["serve", "--config", directory.file("bad.yaml"), "--data-dir", directory.file("d")])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("console.listn: unknown key"), "stderr: \(bad.stderr)")
        let role = try await runMeshboxCLI(["serve", "--roles", "config,warp", "--data-dir", directory.file("d")])
        #expect(role.status != 0)
        #expect(role.stderr.contains("unknown role 'warp'"), "stderr: \(role.stderr)")
        let check = try await runMeshboxCLI(["check-config", repositoryRoot + "/etc/meshbox.yaml"])
        #expect(check.status == 0)
        #expect(check.stdout.contains("console.listen: 127.0.0.1:15000"))
    }

    @Test("--log-format json writes one JSON object per line")
    func jsonLogs() async throws {
        let server = try await RunningServer.start(arguments: ["--log-format", "json", "--log-level", "debug"])
        defer { server.cleanUp() }
        _ = try await server.client.apply(Self.service)
        await server.process.stop()
        let lines = server.process.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["msg"] is String, "not a JSON log line: \(line)")
            #expect(object?["level"] is String)
        }
    }
}
