import Foundation
import MeshModel
@testable import MeshRemote
import MeshTesting
import Testing

/// The admin client's own HTTP/1.1 transport against servers that answer the way the console
/// never does (chunked, delimited by close, not at all, with an untrusted certificate). The
/// console path itself is covered by every `…ThroughServerTests` suite.
@Suite("Admin client transport")
struct AdminClientTransportTests {
    @Test("the request carries Host, the bearer token, Accept, Content-Type and Content-Length")
    func requestHead() async throws {
        let server = try await ScriptedHTTPServer.start(.echo)
        defer { server.stop() }
        let client = AdminClient(baseURL: server.url, token: "secret", timeout: 20)
        let (status, data, headers) = try await client.raw("POST", "/api/v1/apply?dryRun=true", body: Data("kind: x".utf8), contentType: "application/yaml")
        #expect(status == 200)
        #expect(headers["content-type"] == "application/json")
        let echo = try JSONDecoder().decode(Echo.self, from: data)
        #expect(echo.head.first == "POST /api/v1/apply?dryRun=true HTTP/1.1")
        for line in ["Host: 127.0.0.1:\(server.port)", "Authorization: Bearer secret", "Accept: application/json", "Content-Type: application/yaml", "Content-Length: 7"] {
            #expect(echo.head.contains(line), "\(line) not in \(echo.head)")
        }
        #expect(echo.body == "kind: x")

        let (_, anonymousData, _) = try await client.raw("GET", "/healthz", authorized: false)
        let anonymous = try JSONDecoder().decode(Echo.self, from: anonymousData)
        #expect(anonymous.head.first == "GET /healthz HTTP/1.1")
        #expect(!anonymous.head.contains { $0.lowercased().hasPrefix("authorization:") })
    }

    @Test("a chunked response is read to its end and decoded")
    func chunked() async throws {
        let server = try await ScriptedHTTPServer.start(.chunked)
        defer { server.stop() }
        let client = AdminClient(baseURL: server.url, token: nil, timeout: 20)
        #expect(try await client.revision() == 42)
    }

    @Test("a response delimited by the server closing the connection is read whole")
    func delimitedByClose() async throws {
        let server = try await ScriptedHTTPServer.start(.close)
        defer { server.stop() }
        let client = AdminClient(baseURL: server.url, token: nil, timeout: 20)
        let (status, data, _) = try await client.raw("GET", "/big")
        #expect(status == 200)
        #expect(data == Data(String(repeating: "0123456789", count: 30_000).utf8))
    }

    @Test("a response over the size limit fails instead of growing")
    func sizeLimit() async throws {
        let server = try await ScriptedHTTPServer.start(.close)
        defer { server.stop() }
        let transport = AdminHTTPClient(timeout: .seconds(20), responseLimit: 100_000)
        do {
            let response = try await transport.execute(AdminHTTPRequest(method: "GET", url: server.url.appendingPathComponent("big"), headers: [], body: nil))
            Issue.record("expected the limit to fail the request, got \(response.body.count) bytes")
        } catch {
            #expect(error.kind == .response)
            #expect(error.reason == "the response is larger than 100000 bytes")
        }
    }

    @Test("an error status with a JSON error body becomes AdminClientError with code, issues and details")
    func errorStatus() async throws {
        let server = try await ScriptedHTTPServer.start(.error)
        defer { server.stop() }
        let client = AdminClient(baseURL: server.url, token: "secret", timeout: 20)
        let error = try await #require(throws: AdminClientError.self) { try await client.apply("kind: x") }
        #expect(error.status == 422)
        #expect(error.code == "invalid")
        #expect(error.message == "1 resource is invalid")
        #expect(error.issues == [FieldIssue(resource: "VirtualService default/x", path: "spec.http[0]", message: "bad route")])
        #expect(error.details == ["see docs"])
    }

    @Test("connection refused names the server and says so")
    func connectionRefused() async throws {
        let port = try FreePort.take()
        let client = AdminClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, token: nil, timeout: 20)
        let error = try await #require(throws: AdminClientError.self) { try await client.revision() }
        #expect(error.status == 0)
        #expect(error.code == "unavailable")
        #expect(error.message == "cannot reach meshbox at http://127.0.0.1:\(port): connection refused")
        // `raw` fails the same way (it used to throw the transport's own error).
        let rawError = try await #require(throws: AdminClientError.self) { try await client.raw("GET", "/healthz") }
        #expect(rawError.message == error.message)
    }

    @Test("a server that accepts but never answers fails at the deadline, naming the URL")
    func timeout() async throws {
        let server = try await ScriptedHTTPServer.start(.hang)
        defer { server.stop() }
        let client = AdminClient(baseURL: server.url, token: nil, timeout: 1)
        let start = ContinuousClock.now
        let error = try await #require(throws: AdminClientError.self) { try await client.revision() }
        let elapsed = ContinuousClock.now - start
        #expect(error.message == "no response from meshbox at http://127.0.0.1:\(server.port) within 1s (GET /api/v1/revision)")
        #expect(elapsed >= .milliseconds(900))
        #expect(elapsed < .seconds(15), "the deadline of 1 s took \(elapsed)")
    }

    @Test("https: a self-signed certificate is rejected")
    func selfSigned() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-admin-tls")
        defer { directory.remove() }
        let run = try await Tool.run("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", directory.file("key.pem"), "-out", directory.file("cert.pem"),
        ])
        #expect(run.status == 0, "\(run.output)")
        let server = try await ScriptedHTTPServer.start(.echo, certificateFile: directory.file("cert.pem"), keyFile: directory.file("key.pem"))
        defer { server.stop() }
        for host in ["127.0.0.1", "localhost"] {
            let url = URL(string: "https://\(host):\(server.port)")!
            let client = AdminClient(baseURL: url, token: "secret", timeout: 20)
            let error = try await #require(throws: AdminClientError.self) { try await client.revision() }
            #expect(error.message == "cannot reach meshbox at \(url.absoluteString): TLS: the server's certificate is not trusted (it does not chain to a system root CA)")
        }
    }

    @Test("https: a certificate from a trusted CA is accepted for its host name, refused for another")
    func trustedCertificate() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-admin-tls")
        defer { directory.remove() }
        let authority = try TestPKI.Authority(trustDomain: "admin.test")
        try authority.certificatePEM.write(toFile: directory.file("ca.pem"), atomically: true, encoding: .utf8)
        for (name, leaf) in [("localhost", try authority.issue(spiffeID: nil, dnsName: "localhost")), ("other", try authority.issue(spiffeID: nil, dnsName: "other.example"))] {
            try leaf.chainPEM.write(toFile: directory.file("\(name).pem"), atomically: true, encoding: .utf8)
            try leaf.privateKeyPEM.write(toFile: directory.file("\(name).key"), atomically: true, encoding: .utf8)
        }

        let good = try await ScriptedHTTPServer.start(.echo, certificateFile: directory.file("localhost.pem"), keyFile: directory.file("localhost.key"))
        defer { good.stop() }
        let url = URL(string: "https://localhost:\(good.port)")!
        let client = AdminClient(baseURL: url, token: "secret", timeout: 20, trustRootsFile: directory.file("ca.pem"))
        let (status, data, _) = try await client.raw("GET", "/api/v1/revision")
        #expect(status == 200)
        let echo = try JSONDecoder().decode(Echo.self, from: data)
        #expect(echo.head.contains("Host: localhost:\(good.port)"))
        #expect(echo.head.contains("Authorization: Bearer secret"))
        // Without the CA file the same server is refused: the default trusts the system roots only.
        await #expect(throws: AdminClientError.self) { try await AdminClient(baseURL: url, token: nil, timeout: 20).raw("GET", "/") }

        let wrongName = try await ScriptedHTTPServer.start(.echo, certificateFile: directory.file("other.pem"), keyFile: directory.file("other.key"))
        defer { wrongName.stop() }
        let wrongURL = URL(string: "https://localhost:\(wrongName.port)")!
        let wrongClient = AdminClient(baseURL: wrongURL, token: nil, timeout: 20, trustRootsFile: directory.file("ca.pem"))
        let error = try await #require(throws: AdminClientError.self) { try await wrongClient.raw("GET", "/") }
        #expect(error.message.hasPrefix("cannot reach meshbox at \(wrongURL.absoluteString): TLS: the server's certificate is not valid for this host name"), "\(error.message)")
    }

    /// What the echo server answers: the request's head lines and its body.
    struct Echo: Decodable {
        var head: [String]
        var body: String
    }
}
