import Foundation
import MeshTesting
import NIOPosix
import Testing

/// RequestAuthentication `jwksUri` in the real binary: the control plane fetches the key set from a
/// loopback server, inlines it into the snapshot, refetches it every `mesh.jwksRefreshInterval`, and
/// the gateway follows a key rotation; a failing key server keeps the last good keys.
@Suite("JWKS rotation through the real server")
struct JWKSRotationThroughServerTests {
    static let issuer = "https://rotating.issuer.test"

    static func serving(_ jwks: String) -> TestBackend.Behaviour {
        .respond(status: 200, headers: [("content-type", "application/json")], body: Array(jwks.utf8))
    }

    @Test("a jwksUri key rotation is picked up at the next refresh; a failed refresh keeps the keys")
    func rotation() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-jwks")
        let configFile = directory.file("meshbox.yaml")
        try "mesh:\n  jwksRefreshInterval: 1s\n".write(toFile: configFile, atomically: true, encoding: .utf8)
        let server = try await RunningServer.start(
            directory: directory,
            arguments: ["--config", configFile, "--gateway-listen", "127.0.0.1", "--gateway-threads", "1"])
        defer { server.cleanUp() }
        let group = MultiThreadedEventLoopGroup.singleton
        let old = try await TestJWTIssuer(issuer: Self.issuer, keyID: "2026-old", algorithm: .rs256)
        let new = try await TestJWTIssuer(issuer: Self.issuer, keyID: "2026-new", algorithm: .es256)
        let keyServer = try await TestBackend.start(name: "jwks", behaviour: Self.serving(old.jwks), group: group)
        let backend = try await TestBackend.start(name: "v1", group: group)
        let port = try FreePort.take()
        let yaml = ShopMesh.yaml(listenerPort: port, destinations: [(host: "shop-a", weight: nil)]) + """

            ---
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {name: users, namespace: default}
            spec:
              jwtRules:
              - issuer: "\(Self.issuer)"
                jwksUri: "http://127.0.0.1:\(keyServer.port)/.well-known/jwks.json"
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: require-jwt, namespace: default}
            spec:
              rules:
              - from: [{source: {requestPrincipals: ["\(Self.issuer)/*"]}}]
            """
        let file = directory.path + "/shop.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let apply = try await runMeshboxCLI(["apply", "-f", file], environment: server.cliEnvironment)
        #expect(apply.status == 0, "stderr: \(apply.stderr)")
        let register = try await runMeshboxCLI(
            ["register", "--service", "shop-a", "--address", "127.0.0.1", "--port", "http:\(backend.port)"],
            environment: server.cliEnvironment)
        #expect(register.status == 0, "stderr: \(register.stderr)")

        let oldToken = try await old.token(subject: "alice")
        let newToken = try await new.token(subject: "alice")
        func status(_ token: String?) async -> Int {
            let headers = token.map { [("authorization", "Bearer \($0)")] } ?? []
            let response = try? await ProxyClient.request(
                port: port, "GET", "/", host: "shop.example.com", headers: headers, group: group)
            return response?.status ?? -1
        }
        try await eventually("the old key's token to be accepted", timeout: .seconds(20)) {
            await status(oldToken) == 200
        }
        #expect(await status(newToken) == 401)
        #expect(await status(nil) == 403)
        #expect(keyServer.received.first?.uri == "/.well-known/jwks.json")

        // Rotation: the key server now serves only the new key.
        keyServer.behaviour = Self.serving(new.jwks)
        try await eventually("the new key's token to be accepted after a refresh", timeout: .seconds(20)) {
            await status(newToken) == 200
        }
        #expect(await status(oldToken) == 401)

        // The key server fails: the new key stays in force across several refreshes.
        keyServer.behaviour = .status(503)
        let failures = keyServer.requestCount
        try await eventually("two failed refreshes", timeout: .seconds(20)) { keyServer.requestCount >= failures + 2 }
        #expect(await status(newToken) == 200)
        await keyServer.stop()
        await backend.stop()
    }
}
