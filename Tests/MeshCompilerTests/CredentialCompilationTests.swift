import Foundation
import MeshAPI
import MeshCompiler
import MeshModel
import MeshTesting
import Testing

/// `credentialName` on Gateway servers: the compiler puts the Secret's key material inline in the
/// snapshot (an SDS `Secret` with inline data), by Istio's names and namespace rule.
@Suite("SnapshotCompiler: credentials from the config store")
struct CredentialCompilationTests {
    static func gateway(mode: String, namespace: String = "edge", credential: String = "web-cert") -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: \(namespace)}
        spec:
          servers:
          - port: {number: 8443, name: https, protocol: HTTPS}
            hosts: ["web.example.com"]
            tls: {mode: \(mode), credentialName: \(credential)}
        """
    }

    static func compile(_ documents: String...) throws -> Snapshot {
        SnapshotCompiler.compile(
            config: try Fixtures.config(documents.joined(separator: "\n---\n")),
            registry: Fixtures.registry([]),
            version: 1
        )
    }

    @Test("SIMPLE: the Secret in the Gateway's namespace is served, inline, under Istio's SDS name")
    func simple() throws {
        let secret = try Fixtures.tlsSecret("web-cert", namespace: "edge", dnsName: "web.example.com")
        let snapshot = try Self.compile(Self.gateway(mode: "SIMPLE"), secret.yaml)
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
        let tls = try #require(snapshot.listeners.first?.filterChains.first?.tls)
        #expect(tls.certificateSecretName == "kubernetes://edge/web-cert")
        #expect(tls.caSecretName == nil)
        let reference = try #require(snapshot.secret(named: "kubernetes://edge/web-cert"))
        #expect(reference.kind == .certificate)
        #expect(reference.source == .credential(name: "edge/web-cert"))
        #expect(reference.material?.certificateChainPEM == (try secret.leaf.chainPEM) + "\n")
        #expect(reference.material?.privateKeyPEM == secret.leaf.privateKeyPEM + "\n")
        #expect(reference.material?.trustedCAsPEM == nil)
    }

    @Test("a missing Secret (or one in another namespace) is a warning; the chain still names it, without material")
    func missing() throws {
        let elsewhere = try Fixtures.tlsSecret("web-cert", namespace: "default", dnsName: "web.example.com")
        let snapshot = try Self.compile(Self.gateway(mode: "SIMPLE"), elsewhere.yaml)
        #expect(
            snapshot.warnings.map(\.description) == [
                "Gateway edge/gw: spec.servers[0].tls.credentialName: Secret edge/web-cert not found (credentialName is looked up in the Gateway's namespace); TLS with it is refused until it exists"
            ]
        )
        let reference = try #require(snapshot.secret(named: "kubernetes://edge/web-cert"))
        #expect(reference.material == nil)
        #expect(
            snapshot.listeners.first?.filterChains.first?.tls?.certificateSecretName == "kubernetes://edge/web-cert"
        )
    }

    @Test("MUTUAL: CA certificates from <name>-cacert first, else from ca.crt of the Secret itself")
    func mutual() throws {
        let own = try Fixtures.tlsSecret("web-cert", namespace: "edge", dnsName: "web.example.com", withCA: true)
        var snapshot = try Self.compile(Self.gateway(mode: "MUTUAL"), own.yaml)
        #expect(snapshot.warnings.isEmpty, "\(snapshot.warnings)")
        var tls = try #require(snapshot.listeners.first?.filterChains.first?.tls)
        #expect(tls.caSecretName == "kubernetes://edge/web-cert-cacert")
        var ca = try #require(snapshot.secret(named: "kubernetes://edge/web-cert-cacert"))
        #expect(ca.kind == .validationContext)
        #expect(ca.source == .credential(name: "edge/web-cert"))
        #expect(ca.material?.trustedCAsPEM == (try own.authority.certificatePEM) + "\n")

        let clientCA = try TestPKI.Authority(trustDomain: "clients.example.com")
        let separate = Fixtures.secretYAML(
            "web-cert-cacert",
            namespace: "edge",
            type: "Opaque",
            values: ["ca.crt": try clientCA.certificatePEM]
        )
        snapshot = try Self.compile(Self.gateway(mode: "MUTUAL"), own.yaml, separate)
        tls = try #require(snapshot.listeners.first?.filterChains.first?.tls)
        let caName = try #require(tls.caSecretName)
        ca = try #require(snapshot.secret(named: caName))
        #expect(ca.source == .credential(name: "edge/web-cert-cacert"))
        #expect(ca.material?.trustedCAsPEM == (try clientCA.certificatePEM) + "\n")
    }

    @Test("MUTUAL without any ca.crt is a warning, and the CA secret has no material")
    func mutualWithoutCA() throws {
        let secret = try Fixtures.tlsSecret("web-cert", namespace: "edge", dnsName: "web.example.com")
        let snapshot = try Self.compile(Self.gateway(mode: "MUTUAL"), secret.yaml)
        #expect(
            snapshot.warnings.map(\.message) == [
                "no CA certificates for web-cert: neither Secret edge/web-cert-cacert nor Secret edge/web-cert holds ca.crt; mutual TLS with it is refused"
            ]
        )
        #expect(snapshot.secret(named: "kubernetes://edge/web-cert-cacert")?.material == nil)
    }

    @Test("a rotated Secret changes the snapshot; its redacted JSON never holds the key")
    func rotation() throws {
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let first = try Fixtures.tlsSecret(
            "web-cert",
            namespace: "edge",
            dnsName: "web.example.com",
            authority: authority
        )
        let second = try Fixtures.tlsSecret(
            "web-cert",
            namespace: "edge",
            dnsName: "web.example.com",
            authority: authority
        )
        let before = try Self.compile(Self.gateway(mode: "SIMPLE"), first.yaml)
        let after = try Self.compile(Self.gateway(mode: "SIMPLE"), second.yaml)
        #expect(!before.hasSameContent(as: after))
        let encoder = JSONEncoder()
        encoder.userInfo[.redactSecrets] = true
        let json = String(decoding: try encoder.encode(after), as: UTF8.self)
        #expect(!json.contains("PRIVATE KEY") && !json.contains("BEGIN CERTIFICATE"))
        #expect(json.contains("<redacted: "))
    }
}
