import Foundation
import MeshAPI
import MeshModel
import MeshXDS
import MeshXDSProto
import Testing

@Suite("SecretTranslator")
struct SecretTranslatorTests {
    @Test("a credential, the workload certificate and the mesh trust bundle travel as inline bytes")
    func inline() throws {
        let snapshot = try MeshFixture.compile()
        let pki = try MeshFixture.pki.get()
        let credential = SecretTranslator.translate(
            try #require(snapshot.secret(named: "kubernetes://default/bookinfo-cert"))
        )
        #expect(credential.notes.isEmpty)
        let certificate = credential.resource.tlsCertificate
        #expect(
            String(decoding: certificate.certificateChain.inlineBytes, as: UTF8.self).hasPrefix(
                "-----BEGIN CERTIFICATE-----"
            )
        )
        #expect(String(decoding: certificate.privateKey.inlineBytes, as: UTF8.self).contains("PRIVATE KEY"))

        let workload = SecretTranslator.translate(try #require(snapshot.secret(named: "default"))).resource
        #expect(
            workload.tlsCertificate.certificateChain.inlineBytes
                == Data(pki.material.workload!.certificateChainPEM.utf8)
        )
        let bundle = SecretTranslator.translate(try #require(snapshot.secret(named: "ROOTCA"))).resource
        #expect(bundle.validationContext.trustedCa.inlineBytes == Data(pki.material.trustBundlePEM.utf8))
    }

    @Test("files are referred to by name; a secret without material is not served and is noted")
    func filesAndMissing() {
        let files = SecretTranslator.translate(
            .init(
                name: "file-cert:/a.pem~/a.key",
                kind: .certificate,
                source: .files(certificate: "/a.pem", privateKey: "/a.key")
            )
        )
        #expect(files.resource.tlsCertificate.certificateChain.filename == "/a.pem")
        #expect(files.resource.tlsCertificate.privateKey.filename == "/a.key")

        let missing = Snapshot.SecretReference(name: "default", kind: .certificate, source: .workloadCertificate)
        let translation = SecretTranslator.translate(missing)
        #expect(translation.resource.type == nil)
        #expect(translation.notes.map(\.field) == ["material"])
        let set = XDSResourceSet(snapshot: Snapshot(secrets: [missing]))
        #expect(set[XDSTypeURL.secret].isEmpty)
        #expect(set.notes.map(\.resourceName) == ["default"])
    }
}
