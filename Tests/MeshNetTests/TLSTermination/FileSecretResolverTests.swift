import Foundation
import MeshModel
import MeshNet
import MeshTesting
import Testing

@Suite("FileSecretResolver")
struct FileSecretResolverTests {
    @Test("reads a certificate and key pair and a CA file")
    func readsFiles() async throws {
        try await TerminationBed.with { bed in
            let leaf = try bed.leaf(dns: "web.example.com")
            let cert = try bed.writeFile("web.crt", try leaf.chainPEM)
            let key = try bed.writeFile("web.key", leaf.privateKeyPEM)
            let ca = try bed.writeFile("ca.crt", try bed.authority.certificatePEM)
            let resolver = FileSecretResolver()
            let pair = try resolver.resolve(
                .init(
                    name: "file-cert:\(cert)~\(key)",
                    kind: .certificate,
                    source: .files(certificate: cert, privateKey: key)
                )
            )
            let bundle = try resolver.resolve(
                .init(name: "file-root:\(ca)", kind: .validationContext, source: .caFile(ca))
            )
            #expect(pair == ResolvedSecret(certificateChainPEM: try leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM))
            #expect(bundle == ResolvedSecret(trustedCAsPEM: try bed.authority.certificatePEM))
        }
    }

    @Test("a missing or non-PEM file is named in the error")
    func errorsNameTheFile() async throws {
        try await TerminationBed.with { bed in
            let missing = bed.directory.appendingPathComponent("missing.crt").path
            let garbage = try bed.writeFile("garbage.key", "not a key")
            let resolver = FileSecretResolver()
            let missingError = #expect(throws: (any Error).self) {
                try resolver.resolve(
                    .init(name: "s1", kind: .certificate, source: .files(certificate: missing, privateKey: garbage))
                )
            }
            #expect("\(missingError!)" == "certificate file '\(missing)' of secret 's1' does not exist")
            let leaf = try bed.leaf(dns: "web.example.com")
            let cert = try bed.writeFile("web.crt", try leaf.chainPEM)
            let garbageError = #expect(throws: (any Error).self) {
                try resolver.resolve(
                    .init(name: "s2", kind: .certificate, source: .files(certificate: cert, privateKey: garbage))
                )
            }
            #expect("\(garbageError!)" == "private key file '\(garbage)' of secret 's2' holds no PEM data")
            let caError = #expect(throws: (any Error).self) {
                try resolver.resolve(.init(name: "s3", kind: .validationContext, source: .caFile(missing)))
            }
            #expect("\(caError!)".contains("CA file '\(missing)'"))
        }
    }

    @Test("credentials and mesh material come from the closures given, or fail clearly")
    func delegatesToClosures() throws {
        let bare = FileSecretResolver()
        let credentialError = #expect(throws: (any Error).self) {
            try bare.resolve(.init(name: "x", kind: .certificate, source: .credential(name: "x")))
        }
        #expect("\(credentialError!)".hasPrefix("credential 'x' not found"))
        #expect(throws: (any Error).self) {
            try bare.resolve(.init(name: "default", kind: .certificate, source: .workloadCertificate))
        }
        #expect(throws: (any Error).self) {
            try bare.resolve(.init(name: "ROOTCA", kind: .validationContext, source: .meshTrustBundle))
        }

        let wired = FileSecretResolver(
            credentials: { ResolvedSecret(certificateChainPEM: "chain of \($0)") },
            workloadCertificate: { ResolvedSecret(privateKeyPEM: "workload") },
            meshTrustBundle: { ResolvedSecret(trustedCAsPEM: "bundle") }
        )
        let credential = try wired.resolve(.init(name: "x", kind: .certificate, source: .credential(name: "x")))
        let workload = try wired.resolve(.init(name: "default", kind: .certificate, source: .workloadCertificate))
        let bundle = try wired.resolve(.init(name: "ROOTCA", kind: .validationContext, source: .meshTrustBundle))
        #expect(credential.certificateChainPEM == "chain of x")
        #expect(workload.privateKeyPEM == "workload")
        #expect(bundle.trustedCAsPEM == "bundle")
    }
}
