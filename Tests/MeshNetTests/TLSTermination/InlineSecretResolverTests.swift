import MeshModel
import MeshNet
import Testing

/// Credentials the compiler put inline in the snapshot are taken as they are; a credential without
/// material fails with the reason; everything else goes to the fallback resolver.
@Suite("InlineSecretResolver")
struct InlineSecretResolverTests {
    @Test("inline material is served by the kind the reference asks for")
    func inline() throws {
        let resolver = InlineSecretResolver()
        let material = Snapshot.SecretMaterial(certificateChainPEM: "chain", privateKeyPEM: "key", trustedCAsPEM: "ca")
        let certificate = try resolver.resolve(
            .init(
                name: "kubernetes://edge/web",
                kind: .certificate,
                source: .credential(name: "edge/web"),
                material: material
            )
        )
        #expect(certificate == ResolvedSecret(certificateChainPEM: "chain", privateKeyPEM: "key"))
        let ca = try resolver.resolve(
            .init(
                name: "kubernetes://edge/web-cacert",
                kind: .validationContext,
                source: .credential(name: "edge/web"),
                material: material
            )
        )
        #expect(ca == ResolvedSecret(trustedCAsPEM: "ca"))
        let partial = #expect(throws: (any Error).self) {
            try resolver.resolve(
                .init(
                    name: "x",
                    kind: .certificate,
                    source: .credential(name: "edge/x"),
                    material: .init(trustedCAsPEM: "ca")
                )
            )
        }
        #expect("\(partial!)" == "secret 'x' holds no certificate chain and key")
    }

    @Test("a credential without material names the Secret it needs; files go to the fallback")
    func missing() throws {
        let resolver = InlineSecretResolver(fallback: FileSecretResolver())
        let error = #expect(throws: (any Error).self) {
            try resolver.resolve(
                .init(name: "kubernetes://edge/web", kind: .certificate, source: .credential(name: "edge/web"))
            )
        }
        #expect(
            "\(error!)"
                == "secret 'kubernetes://edge/web': the config store has no Secret edge/web with tls.crt and tls.key (see the compiler's warnings)"
        )
        let file = #expect(throws: (any Error).self) {
            try resolver.resolve(.init(name: "f", kind: .validationContext, source: .caFile("/nonexistent/ca.pem")))
        }
        #expect("\(file!)".contains("CA file '/nonexistent/ca.pem' of secret 'f' does not exist"))
    }
}
