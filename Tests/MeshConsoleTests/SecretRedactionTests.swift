import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshTesting
import Testing

/// Secrets through the admin API: every read path shows `<redacted: …>`, and what it shows can be
/// applied back without losing the stored key.
@Suite("Admin API: Secret redaction")
struct SecretRedactionTests {
    static func secret() throws -> Resource {
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let leaf = try authority.issue(
            spiffeID: nil,
            dnsName: "web.example.com",
            notValidAfter: Date().addingTimeInterval(90 * 86400)
        )
        return Resource(
            metadata: ObjectMeta(name: "web-cert", namespace: "edge"),
            spec: .secret(.tls(certificateChainPEM: try leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM))
        )
    }

    static func expectRedacted(_ body: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(body.contains("<redacted: "), "\(what): \(body.prefix(300))", sourceLocation: sourceLocation)
        #expect(
            !body.contains("BEGIN") && !body.contains("PRIVATE KEY"),
            "\(what) leaks: \(body.prefix(300))",
            sourceLocation: sourceLocation
        )
    }

    @Test("GET, list, YAML, history, watch and diff show placeholders; the store keeps the key")
    func readPaths() async throws {
        let config = FakeConfig()
        let secret = try Self.secret()
        await config.seed(secret)
        config.states.finish()
        try await ConsoleHarness.with(config: config) { console in
            for path in [
                "/api/v1/resources/secrets/edge/web-cert", "/api/v1/resources/secret/edge/web-cert?format=yaml",
                "/api/v1/resources?kind=secret", "/api/v1/resources", "/api/v1/resources/secrets/edge/web-cert/history",
                "/api/v1/resources/secrets/edge/web-cert/history?format=yaml", "/api/v1/watch/config?kind=secret",
            ] {
                let reply = try await console.send("GET", path)
                #expect(reply.status == 200, "\(path): \(reply.status) \(reply.body)")
                Self.expectRedacted(reply.body, path)
            }
            // The YAML as shown, applied back with a label: the placeholders take the stored values.
            let shown = try await console.send("GET", "/api/v1/resources/secrets/edge/web-cert?format=yaml").body
            let edited = shown.replacingOccurrences(
                of: "  name: web-cert\n",
                with: "  labels: {team: edge}\n  name: web-cert\n"
            )
            let diff = try await console.send("POST", "/api/v1/diff", body: edited)
            #expect(diff.status == 200, "\(diff.body)")
            Self.expectRedacted(diff.body, "diff")
            let applied = try await console.send("POST", "/api/v1/apply", body: edited)
            #expect(applied.status == 200, "\(applied.body)")
            let stored = try #require(try await config.get(secret.key))
            guard case .secret(let kept) = stored.resource.spec, case .secret(let original) = secret.spec else {
                Issue.record("expected a Secret")
                return
            }
            #expect(kept == original, "the stored key material survived the round trip")
            #expect(stored.resource.metadata.labels == ["team": "edge"])

            // A placeholder that is not the stored value is refused with its field.
            let foreign = edited.replacingOccurrences(of: "hmac ", with: "hmac 0")
            let refused = try await console.send("POST", "/api/v1/apply", body: foreign)
            #expect(refused.status == 422, "\(refused.body)")
            #expect(refused.body.contains("is a redacted value as meshbox shows it"), "\(refused.body)")
        }
    }
}
