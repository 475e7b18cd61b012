import Foundation
import MeshModel
import MeshNet
import MeshTesting
import NIOSSL
import Testing

@Suite("ServerTLSContexts")
struct ServerTLSContextsTests {
    static func fileSecrets(_ cert: String, _ key: String) -> [Snapshot.SecretReference] {
        [.init(name: "web-files", kind: .certificate, source: .files(certificate: cert, privateKey: key))]
    }

    @Test("an unchanged certificate reuses the context; a changed file gets a new one")
    func cacheFollowsContents() async throws {
        try await TerminationBed.with { bed in
            let first = try bed.leaf(dns: "web.example.com")
            let cert = try bed.writeFile("web.crt", try first.chainPEM)
            let key = try bed.writeFile("web.key", first.privateKeyPEM)
            let secrets = Self.fileSecrets(cert, key)
            let tls = Snapshot.ServerTLS(mode: .simple, certificateSecretName: "web-files")
            let contexts = ServerTLSContexts(resolver: FileSecretResolver())

            let original = try contexts.context(for: tls, secrets: secrets)
            let again = try contexts.context(for: tls, secrets: secrets)
            #expect(original === again)

            var h2 = tls
            h2.alpnProtocols = ["h2"]
            #expect(try contexts.context(for: h2, secrets: secrets) !== original)

            let rotated = try bed.leaf(dns: "web.example.com")
            _ = try bed.writeFile("web.crt", try rotated.chainPEM)
            _ = try bed.writeFile("web.key", rotated.privateKeyPEM)
            let renewed = try contexts.context(for: tls, secrets: secrets)
            #expect(renewed !== original)
            #expect(contexts.count == 3)

            // After a snapshot that only asked for the renewed context, the others go.
            contexts.sweep()
            _ = try contexts.context(for: tls, secrets: secrets)
            contexts.sweep()
            #expect(contexts.count == 1)
            #expect(try contexts.context(for: tls, secrets: secrets) === renewed)
        }
    }

    @Test("a credential's rotation is picked up by the next snapshot")
    func credentialRotation() async throws {
        try await TerminationBed.with { bed in
            try bed.addCredential("web", leaf: try bed.leaf(dns: "web.example.com"))
            let contexts = ServerTLSContexts(resolver: bed.resolver)
            let tls = Snapshot.ServerTLS(mode: .mutual, certificateSecretName: "web", caSecretName: "web-cacert")
            let secrets = TerminationBed.secrets(for: "web")
            let before = try contexts.context(for: tls, secrets: secrets)
            #expect(try contexts.context(for: tls, secrets: secrets) === before)
            try bed.addCredential("web", leaf: try bed.leaf(dns: "web.example.com"))
            #expect(try contexts.context(for: tls, secrets: secrets) !== before)
        }
    }

    @Test(
        "a configuration that cannot work is an error naming the secret or setting",
        arguments: [
            (
                Snapshot.ServerTLS(mode: .simple, certificateSecretName: "absent"),
                "secret 'absent' is not in the snapshot"
            ),
            (Snapshot.ServerTLS(mode: .mutual, certificateSecretName: "web"), "has no CA secret"),
            (
                Snapshot.ServerTLS(mode: .simple, certificateSecretName: "web", minVersion: .v1_3, maxVersion: .v1_2),
                "TLS minVersion TLSv1_3 is above maxVersion TLSv1_2"
            ),
            (
                Snapshot.ServerTLS(
                    mode: .simple,
                    certificateSecretName: "web",
                    cipherSuites: ["ECDHE-ECDSA-AES128-GCM-SHA256", "[AES128-SHA|NOT-A-CIPHER]"]
                ),
                "TLS cipher suite 'NOT-A-CIPHER' of the listener with secret 'web' is not supported"
            ),
            (
                Snapshot.ServerTLS(mode: .simple, certificateSecretName: "web-cacert"),
                "holds no certificate chain and key"
            ),
            (
                Snapshot.ServerTLS(mode: .simple, certificateSecretName: "mismatch"),
                "TLS context for secret 'mismatch' could not be created"
            ),
            (
                Snapshot.ServerTLS(mode: .simple, certificateSecretName: "web", alpnProtocols: ["h2", ""]),
                "ALPN protocol '' of secret 'web' must be 1 to 255 bytes"
            ),
        ]
    )
    func invalidConfiguration(tls: Snapshot.ServerTLS, message: String) async throws {
        try await TerminationBed.with { bed in
            let leaf = try bed.leaf(dns: "web.example.com")
            try bed.addCredential("web", leaf: leaf)
            let caFile = try bed.writeFile("ca.crt", try bed.authority.certificatePEM)
            let certificateFile = try bed.writeFile("web.crt", try leaf.chainPEM)
            let otherKeyFile = try bed.writeFile("other.key", try bed.leaf(dns: "other.example.com").privateKeyPEM)
            let secrets: [Snapshot.SecretReference] = [
                .init(name: "web", kind: .certificate, source: .credential(name: "web")),
                // A CA file alone: no chain to serve.
                .init(name: "web-cacert", kind: .validationContext, source: .caFile(caFile)),
                // A certificate with another leaf's key.
                .init(
                    name: "mismatch",
                    kind: .certificate,
                    source: .files(certificate: certificateFile, privateKey: otherKeyFile)
                ),
            ]
            let contexts = ServerTLSContexts(resolver: bed.resolver)
            let error = #expect(throws: (any Error).self) { try contexts.context(for: tls, secrets: secrets) }
            #expect(error.map { "\($0)".contains(message) } == true, "\(String(describing: error))")
        }
    }

    @Test("OpenSSL cipher names and version bounds are accepted")
    func validCipherSuites() async throws {
        try await TerminationBed.with { bed in
            try bed.addCredential("web", leaf: try bed.leaf(dns: "web.example.com"))
            let tls = Snapshot.ServerTLS(
                mode: .simple,
                certificateSecretName: "web",
                minVersion: .v1_2,
                maxVersion: .v1_3,
                cipherSuites: ["[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]", "AES128-SHA"]
            )
            let contexts = ServerTLSContexts(resolver: bed.resolver)
            _ = try contexts.context(for: tls, secrets: TerminationBed.secrets(for: "web"))
            #expect(contexts.count == 1)
        }
    }
}
