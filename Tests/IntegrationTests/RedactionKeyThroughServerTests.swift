import Foundation
import MeshCore
import MeshRemote
import MeshTesting
import Testing

@Suite("Secret placeholders keyed per install, through the real binary")
struct RedactionKeyThroughServerTests {
    /// The placeholders the admin API shows for the Secret `shop-cert`.
    static func placeholders(_ client: AdminClient) async throws -> [String] {
        let (status, body, _) = try await client.raw("GET", "/api/v1/resources/secrets/default/shop-cert")
        #expect(status == 200)
        let text = String(decoding: body, as: UTF8.self)
        return text.matches(of: #/<redacted: [0-9,]+ bytes, hmac [0-9a-f]{16}>/#).map { String(text[$0.range]) }.sorted()
    }

    /// `sha256sum` of `text`, hex.
    static func sha256(_ text: String, in directory: TemporaryDirectory) async throws -> String {
        let input = directory.file("value"), output = directory.file("sum")
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            executable: "/usr/bin/sha256sum", arguments: [input], environment: [:], standardOutput: output,
            standardError: "/dev/null")
        #expect(await process.exited() == 0)
        return String(try String(contentsOfFile: output, encoding: .utf8).prefix(64))
    }

    @Test("a placeholder is not the value's plain SHA-256, and stays the same across restarts of one install")
    func stableAndKeyed() async throws {
        let server = try await RunningServer.start()
        defer { server.cleanUp() }
        let data = server.process.dataDirectory
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let leaf = try authority.issue(spiffeID: nil, dnsName: "shop.example.com", notValidAfter: Date().addingTimeInterval(86400))
        let secret = try SecretThroughServerTests.secretYAML(leaf)
        _ = try await server.client.apply(secret)
        let first = try await Self.placeholders(server.client)
        #expect(first.count == 2, "\(first)")
        // The key's value as stored (a YAML literal block keeps one final newline).
        let key = leaf.privateKeyPEM.split(separator: "\n").joined(separator: "\n") + "\n"
        let plain = try await Self.sha256(key, in: server.directory)
        #expect(first.contains { $0.hasPrefix("<redacted: \(key.utf8.count) bytes, hmac ") }, "\(first)")
        #expect(!first.contains { $0.contains(plain.prefix(16)) }, "\(first) shows sha256 \(plain)")
        let keyFile = try #require(FileManager.default.contents(atPath: data + "/redaction.key"))
        #expect(keyFile.count == 32)
        #expect(PrivateFile.permissions(of: data + "/redaction.key") == 0o600)
        #expect(await server.process.stop() == 0)

        let again = try await MeshboxProcess.serve(dataDirectory: data)
        defer { again.kill() }
        let client = AdminClient(baseURL: again.consoleURL, token: again.adminToken)
        #expect(try await Self.placeholders(client) == first)
        // What `get` shows, applied back with a label, still stands for the stored values.
        let (_, shown, _) = try await client.raw("GET", "/api/v1/resources/secrets/default/shop-cert?format=yaml")
        let edited = String(decoding: shown, as: UTF8.self)
            .replacingOccurrences(of: "  name: shop-cert", with: "  name: shop-cert\n  labels: {team: edge}")
        _ = try await client.apply(edited)
        #expect(try await Self.placeholders(client) == first)
        await again.stop()

        // Another install (another key) shows other placeholders for the same values.
        let other = try await RunningServer.start()
        defer { other.cleanUp() }
        _ = try await other.client.apply(secret)
        #expect(try await Self.placeholders(other.client) != first)
        await other.process.stop()
    }
}
