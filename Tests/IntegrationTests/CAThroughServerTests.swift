import Foundation
import MeshAPI
import MeshRemote
import MeshTesting
import Testing

@Suite("ca role through the real binary and CLI")
struct CAThroughServerTests {
    /// Runs a bash command line with the server's CLI environment and `meshbox` on PATH.
    func bash(_ script: String, server: RunningServer) async throws -> (Int32, String, String) {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(server.cliEnvironment) { $1 }
        let binaryDirectory = URL(fileURLWithPath: MeshboxProcess.binaryPath()).deletingLastPathComponent().path
        environment["PATH"] = binaryDirectory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let out = server.directory.file("bash-\(UUID().uuidString.prefix(8)).out")
        let err = out + ".err"
        let process = try ChildProcess(
            executable: "/bin/bash", arguments: ["-c", script], environment: environment, standardOutput: out,
            standardError: err)
        let status = await process.exited()
        return (
            status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        )
    }

    @Test("openssl verify -CAfile <(meshbox ca bundle) accepts an issued certificate with its SPIFFE URI SAN")
    func opensslVerifiesIssuedCertificate() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let cert = server.directory.file("web.pem"), key = server.directory.file("web-key.pem")
        let issue = try await bash(
            "meshbox ca issue --spiffe-id spiffe://cluster.local/ns/default/sa/web --ttl 1h --cert-out \(cert) --key-out \(key)",
            server: server)
        #expect(issue.0 == 0, "stderr: \(issue.2)")
        let keyMode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)

        let verify = try await bash("openssl verify -CAfile <(meshbox ca bundle) \(cert)", server: server)
        #expect(verify.0 == 0, "openssl verify: \(verify.1) \(verify.2)")
        #expect(verify.1.contains("\(cert): OK"))
        let text = try await bash("openssl x509 -in \(cert) -noout -text", server: server)
        #expect(text.1.contains("URI:spiffe://cluster.local/ns/default/sa/web"))

        let status = try await server.client.caStatus()
        #expect(status.roots.count == 1)
        #expect(status.issued.contains { $0.spiffeID == "spiffe://cluster.local/ns/default/sa/web" })
        await server.process.stop()
    }

    @Test("the CA refuses identities outside its trust domain, and join tokens work once")
    func refusalsAndJoinTokens() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let foreign = try await bash(
            "meshbox ca issue --spiffe-id spiffe://evil.example/ns/x/sa/y --cert-out /dev/null --key-out \(server.directory.file("k"))",
            server: server)
        #expect(foreign.0 == 1)
        #expect(foreign.2.contains("trust domain"), "stderr: \(foreign.2)")

        let token = try await bash("meshbox token create --ttl 5m --node edge-2", server: server)
        #expect(token.0 == 0, "stderr: \(token.2)")
        let secret = token.1.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!secret.isEmpty)

        let csr = try await bash(
            "openssl ecparam -name prime256v1 -genkey -noout -out \(server.directory.file("n.key")) && openssl req -new -key \(server.directory.file("n.key")) -subj /O=meshbox -addext subjectAltName=URI:spiffe://cluster.local/ns/meshbox-system/sa/node-edge-2",
            server: server)
        #expect(csr.0 == 0, "stderr: \(csr.2)")
        let anonymous = AdminClient(baseURL: server.process.consoleURL, token: nil)
        let issued = try await anonymous.joinNode(token: secret, nodeName: "edge-2", csrPEM: csr.1)
        #expect(issued.spiffeID == "spiffe://cluster.local/ns/meshbox-system/sa/node-edge-2")
        await #expect(throws: AdminClientError.self) {
            _ = try await anonymous.joinNode(token: secret, nodeName: "edge-2", csrPEM: csr.1)
        }
        // A node name joins once, and a token names its node.
        let again = try await bash("meshbox token create --ttl 5m --node edge-2", server: server)
        #expect(again.0 != 0 && again.2.contains("already joined"), "stderr: \(again.2)")
        let unnamed = try await bash("meshbox token create --ttl 5m", server: server)
        #expect(unnamed.0 != 0 && unnamed.2.contains("--node"), "stderr: \(unnamed.2)")
        let (status, body, _) = try await server.client.raw(
            "POST", "/api/v1/ca/tokens", body: Data(#"{"ttl":"5m"}"#.utf8), contentType: "application/json")
        #expect(status == 400 && String(decoding: body, as: UTF8.self).contains("body.nodeName"))
        await server.process.stop()
    }
}
