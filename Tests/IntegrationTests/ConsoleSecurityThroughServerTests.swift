import Foundation
@testable import MeshRemote
import MeshTesting
import NIOPosix
import Testing

/// The console's listener on the real binary: TLS with a run-time test PKI, the Secure cookie,
/// refusing a plain listener on a non-loopback address, the Host allow-list, login throttling
/// with its log line and metric.
@Suite("Console security through the server")
struct ConsoleSecurityThroughServerTests {
    @Test("console.tls: a real TLS handshake, https in console.url, the session cookie is Secure, plain HTTP is not served")
    func tls() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-console-tls")
        defer { directory.remove() }
        let authority = try TestPKI.Authority(trustDomain: "console.test")
        let leaf = try authority.issue(spiffeID: nil, dnsName: "localhost")
        try authority.certificatePEM.write(toFile: directory.file("ca.pem"), atomically: true, encoding: .utf8)
        try leaf.chainPEM.write(toFile: directory.file("console.pem"), atomically: true, encoding: .utf8)
        try leaf.privateKeyPEM.write(toFile: directory.file("console.key"), atomically: true, encoding: .utf8)
        try """
        console:
          tls:
            certFile: \(directory.file("console.pem"))
            keyFile: \(directory.file("console.key"))
        """.write(toFile: directory.file("meshbox.yaml"), atomically: true, encoding: .utf8)

        let server = try await RunningServer.start(arguments: ["--config", directory.file("meshbox.yaml")])
        defer { server.cleanUp() }
        let url = server.process.consoleURL
        #expect(url.scheme == "https", "\(url)")
        let port = try #require(url.port)
        let base = URL(string: "https://localhost:\(port)")!
        let client = AdminClient(
            baseURL: base, token: server.process.adminToken, timeout: 20, trustRootsFile: directory.file("ca.pem"))
        #expect(try await client.raw("GET", "/api/v1/revision").0 == 200)

        let login = try await client.raw(
            "POST", "/api/v1/session", body: Data(#"{"token":"\#(server.process.adminToken)"}"#.utf8),
            contentType: "application/json", authorized: false)
        #expect(login.0 == 201)
        let cookie = try #require(login.2["set-cookie"])
        #expect(cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.contains("Secure"), "\(cookie)")
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))

        // Without the CA the certificate is not trusted; plain HTTP to the TLS port gets no answer.
        await #expect(throws: AdminClientError.self) { try await AdminClient(baseURL: base, token: nil, timeout: 20).raw("GET", "/healthz") }
        let plain = AdminClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, token: nil, timeout: 20)
        await #expect(throws: (any Error).self) { try await plain.raw("GET", "/healthz") }
        #expect(await server.process.stop() == 0)
    }

    @Test("console.tls.meshCA: the console presents a certificate the mesh CA of the process issued for localhost")
    func meshCACertificate() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-console-meshca")
        defer { directory.remove() }
        try "console:\n  tls:\n    meshCA: true\n".write(toFile: directory.file("meshbox.yaml"), atomically: true, encoding: .utf8)
        let server = try await RunningServer.start(arguments: ["--config", directory.file("meshbox.yaml")])
        defer { server.cleanUp() }
        let port = try #require(server.process.consoleURL.port)
        #expect(server.process.consoleURL.scheme == "https")
        // The mesh trust bundle, as an operator would fetch it once: the CA's root certificate files.
        let caDirectory = server.process.dataDirectory + "/ca"
        let roots = try FileManager.default.contentsOfDirectory(atPath: caDirectory).filter { $0.hasSuffix(".cert.pem") }
        let bundle = try roots.map { try String(contentsOfFile: caDirectory + "/" + $0, encoding: .utf8) }.joined(separator: "\n")
        try bundle.write(toFile: directory.file("bundle.pem"), atomically: true, encoding: .utf8)
        let client = AdminClient(
            baseURL: URL(string: "https://localhost:\(port)")!, token: server.process.adminToken, timeout: 20,
            trustRootsFile: directory.file("bundle.pem"))
        #expect(try await client.raw("GET", "/api/v1/revision").0 == 200)
        let status = String(decoding: try await client.raw("GET", "/api/v1/ca/status").1, as: UTF8.self)
        #expect(status.contains("dns:localhost"), "\(status)")
        #expect(await server.process.stop() == 0)
    }

    @Test("a plain-HTTP console on a non-loopback address is refused at start, naming the key that allows it")
    func nonLoopbackPlainRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-console-remote")
        defer { directory.remove() }
        // The later --console-listen wins; the check runs before anything is bound.
        let error = await #expect(throws: (any Error).self) {
            let process = try await MeshboxProcess.serve(
                dataDirectory: directory.path + "/data", extraArguments: ["--console-listen", "0.0.0.0:0"])
            process.kill()
        }
        let message = "\(error.map { "\($0)" } ?? "")"
        #expect(message.contains("console.listen 0.0.0.0:0"), "\(message)")
        #expect(message.contains("console.allowInsecureRemote: true"), "\(message)")
        #expect(message.contains("console.tls.certFile"), "\(message)")
    }

    @Test("a foreign Host is refused with 421; the CLI's 127.0.0.1 and localhost are served")
    func foreignHost() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let port = try #require(server.process.consoleURL.port)
        let token = [("authorization", "Bearer \(server.process.adminToken)")]
        let foreign = try await ProxyClient.request(
            port: port, "GET", "/api/v1/status", host: "rebind.evil.example:\(port)", headers: token,
            group: MultiThreadedEventLoopGroup.singleton)
        #expect(foreign.status == 421, "\(foreign)")
        #expect(foreign.text.contains("console.allowedHosts"))
        for host in ["127.0.0.1:\(port)", "localhost:\(port)"] {
            let reply = try await ProxyClient.request(
                port: port, "GET", "/api/v1/status", host: host, headers: token, group: MultiThreadedEventLoopGroup.singleton)
            #expect(reply.status == 200, "\(host): \(reply)")
        }
        let cli = try await runMeshboxCLI(["get", "all", "-A"], environment: server.cliEnvironment)
        #expect(cli.status == 0, "\(cli.stderr)")
    }

    @Test("failed logins: logged with the client's address, counted on /metrics, 429 with Retry-After, allowed after the window")
    func loginThrottle() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-console-throttle")
        defer { directory.remove() }
        // The window is wide enough that the two failures fall in it on a loaded machine (at 2 s a
        // full-suite run once saw them slide out of it), short enough to wait for its end.
        try "console:\n  loginThrottle:\n    maxFailures: 2\n    window: 8s\n"
            .write(toFile: directory.file("meshbox.yaml"), atomically: true, encoding: .utf8)
        let server = try await RunningServer.start(arguments: ["--config", directory.file("meshbox.yaml")])
        defer { server.cleanUp() }
        let wrong = AdminClient(baseURL: server.process.consoleURL, token: String(repeating: "0", count: 64))
        #expect(try await wrong.raw("GET", "/api/v1/revision").0 == 401)
        #expect(try await wrong.raw("GET", "/api/v1/revision").0 == 401)
        let (status, _, headers) = try await server.client.raw("GET", "/api/v1/revision")
        #expect(status == 429)
        #expect(headers["retry-after"].flatMap(Int.init).map { (1...8).contains($0) } == true, "\(headers)")

        try await eventually("the right token to be accepted after the window", timeout: .seconds(30)) {
            try await server.client.raw("GET", "/api/v1/revision").0 == 200
        }
        let metrics = String(decoding: try await server.client.raw("GET", "/metrics").1, as: UTF8.self)
        #expect(metrics.contains(#"meshbox_admin_login_failures_total{method="bearer"} 2"#), "\(metrics)")
        #expect(metrics.contains("meshbox_admin_login_throttled_total "), "\(metrics)")
        await server.process.stop()
        let log = server.process.stderr
        #expect(log.contains("Admin token refused") && log.contains("peer.address=127.0.0.1"), "\(log)")
    }
}
