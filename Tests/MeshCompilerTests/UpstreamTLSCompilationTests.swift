import MeshAPI
import MeshCompiler
import MeshModel
import MeshTesting
import Testing

/// DestinationRule `tls` → `Snapshot.UpstreamTLS`: modes, secrets, the precedence of where the
/// settings come from, and the warnings for what the data plane will not (or cannot yet) verify.
@Suite("SnapshotCompiler: upstream TLS")
struct UpstreamTLSCompilationTests {
    func compile(_ rule: String, extra: String = "") throws -> Snapshot {
        let instances = [
            Fixtures.instance("ratings", "10.1.0.1", port: 8080, portName: "http", labels: ["version": "v1"]),
            Fixtures.instance("ratings", "10.1.0.2", port: 8080, portName: nil, labels: ["version": "v2"]),
        ]
        let yaml = ClusterPolicyTests.ratings + "\n---\n" + rule + (extra.isEmpty ? "" : "\n---\n" + extra)
        return SnapshotCompiler.compile(
            config: try Fixtures.config(yaml),
            registry: Fixtures.registry(instances),
            version: 1
        )
    }

    static let v1 = "outbound|9080|v1|ratings.default.svc.cluster.local"
    static let v2 = "outbound|9080|v2|ratings.default.svc.cluster.local"
    static let grpc = "outbound|9090||ratings.default.svc.cluster.local"

    /// PEM compared without the line breaks the YAML block scalar adds or drops.
    static func trimmed(_ pem: String?) -> String? {
        pem?.split(whereSeparator: \.isNewline).joined(separator: "\n")
    }

    func warnings(_ snapshot: Snapshot) -> [String] {
        snapshot.warnings.map { "\($0.resource): \($0.path): \($0.message)" }
    }

    @Test("MUTUAL with files: client certificate and CA secrets; DISABLE in a subset turns TLS off there")
    func mutualFilesAndDisable() throws {
        let snapshot = try compile(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec:
              host: ratings
              trafficPolicy:
                tls:
                  mode: MUTUAL
                  clientCertificate: /etc/meshbox/client.pem
                  privateKey: /etc/meshbox/client-key.pem
                  caCertificates: /etc/meshbox/ca.pem
                  subjectAltNames: [spiffe://cluster.local/ns/default/sa/ratings]
              subsets:
              - name: v1
                labels: {version: v1}
              - name: v2
                labels: {version: v2}
                trafficPolicy:
                  tls: {mode: DISABLE}
            """
        )
        let v1 = try #require(snapshot.cluster(named: Self.v1))
        #expect(
            v1.upstreamTLS
                == Snapshot.UpstreamTLS(
                    mode: .mutual,
                    subjectAltNames: ["spiffe://cluster.local/ns/default/sa/ratings"],
                    certificateSecretName: "file-cert:/etc/meshbox/client.pem~/etc/meshbox/client-key.pem",
                    caSecretName: "file-root:/etc/meshbox/ca.pem"
                )
        )
        #expect(try #require(snapshot.cluster(named: Self.v2)).upstreamTLS == nil)
        #expect(
            snapshot.secrets.map(\.source).contains(
                .files(certificate: "/etc/meshbox/client.pem", privateKey: "/etc/meshbox/client-key.pem")
            )
        )
        #expect(warnings(snapshot).isEmpty, "\(warnings(snapshot))")
    }

    @Test("insecureSkipVerify is honoured with a warning at the field that set it")
    func insecureSkipVerify() throws {
        let snapshot = try compile(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec:
              host: ratings
              subsets:
              - name: v1
                labels: {version: v1}
                trafficPolicy:
                  portLevelSettings:
                  - port: {number: 9080}
                    tls: {mode: SIMPLE, insecureSkipVerify: true}
              - name: v2
                labels: {version: v2}
            """
        )
        #expect(try #require(snapshot.cluster(named: Self.v1)).upstreamTLS?.insecureSkipVerify == true)
        #expect(
            warnings(snapshot) == [
                "DestinationRule default/ratings: spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.insecureSkipVerify: the certificate of ratings.default.svc.cluster.local is not verified (neither its CA nor its names)"
            ]
        )
    }

    @Test("ISTIO_MUTUAL without the ca role: mesh secrets referenced bare, and a warning that the cluster refuses")
    func istioMutual() throws {
        let snapshot = try compile(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec:
              host: ratings
              trafficPolicy:
                portLevelSettings:
                - port: {number: 9090}
                  tls: {mode: ISTIO_MUTUAL}
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """
        )
        let grpc = try #require(snapshot.cluster(named: Self.grpc))
        #expect(
            grpc.upstreamTLS
                == Snapshot.UpstreamTLS(mode: .istioMutual, certificateSecretName: "default", caSecretName: "ROOTCA")
        )
        #expect(snapshot.secrets.map(\.source) == [.meshTrustBundle, .workloadCertificate])
        #expect(
            warnings(snapshot) == [
                "DestinationRule default/ratings: spec.trafficPolicy.portLevelSettings[0].tls.mode: ISTIO_MUTUAL needs the gateway's mesh workload certificate, which comes from the ca role; it does not run in this process, so connections to \(Self.grpc) are refused (503 UF)"
            ]
        )
    }

    @Test("credentialName: the DestinationRule namespace's Secret travels inline; MUTUAL takes its certificate too")
    func credentialName() throws {
        let secret = try Fixtures.tlsSecret("ratings-client", dnsName: "gateway.example.com", withCA: true)
        let snapshot = try compile(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec:
              host: ratings
              trafficPolicy:
                tls: {mode: MUTUAL, credentialName: ratings-client}
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """,
            extra: secret.yaml
        )
        let tls = try #require(snapshot.cluster(named: Self.v1)?.upstreamTLS)
        #expect(tls.certificateSecretName == "kubernetes://default/ratings-client")
        #expect(tls.caSecretName == "kubernetes://default/ratings-client-cacert")
        let certificate = try #require(snapshot.secrets.first { $0.name == tls.certificateSecretName })
        #expect(Self.trimmed(certificate.material?.certificateChainPEM) == Self.trimmed(try secret.leaf.chainPEM))
        #expect(certificate.material?.privateKeyPEM != nil)
        let ca = try #require(snapshot.secrets.first { $0.name == tls.caSecretName })
        #expect(Self.trimmed(ca.material?.trustedCAsPEM) == Self.trimmed(try secret.authority.certificatePEM))
        #expect(warnings(snapshot).isEmpty, "\(warnings(snapshot))")
    }

    @Test("credentialName naming a missing Secret: a warning at the field, the cluster refuses")
    func missingCredential() throws {
        let snapshot = try compile(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec:
              host: ratings
              trafficPolicy:
                tls: {mode: SIMPLE, credentialName: nowhere}
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """
        )
        #expect(snapshot.cluster(named: Self.v1)?.upstreamTLS?.caSecretName == "kubernetes://default/nowhere-cacert")
        #expect(
            warnings(snapshot).contains {
                $0.hasPrefix("DestinationRule default/ratings: spec.trafficPolicy.tls.credentialName: ")
            },
            "\(warnings(snapshot))"
        )
    }
}
