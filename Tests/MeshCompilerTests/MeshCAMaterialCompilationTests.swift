import Foundation
import MeshAPI
import MeshCompiler
import MeshModel
import MeshTesting
import Testing

/// The ca role's material as compiler input: the gateway's workload certificate and the trust
/// bundle inline in the ISTIO_MUTUAL secrets, the service's identity as the SANs to insist on,
/// `credentialName: meshbox-ca` server certificates, and redaction on reads.
@Suite("SnapshotCompiler: mesh CA material")
struct MeshCAMaterialCompilationTests {
    static let grpc = UpstreamTLSCompilationTests.grpc
    static let workload = MeshCAMaterial.Credential(
        certificateChainPEM: "-----BEGIN CERTIFICATE-----\nd29ya2xvYWQ=\n-----END CERTIFICATE-----\n",
        privateKeyPEM: "-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n", serialNumber: "01",
        notBefore: Date(timeIntervalSince1970: 0), notAfter: Date(timeIntervalSince1970: 3600))
    static let bundle = "-----BEGIN CERTIFICATE-----\ncm9vdA==\n-----END CERTIFICATE-----\n"

    static func material(workload: MeshCAMaterial.Credential? = workload, servers: [String: MeshCAMaterial.Credential] = [:])
        -> MeshCAMaterial
    {
        MeshCAMaterial(
            trustDomain: "cluster.local", trustBundlePEM: bundle,
            workloadSPIFFEID: "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account",
            workload: workload, serverCertificates: servers)
    }

    static let istioMutualRule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: ratings, namespace: default}
        spec:
          host: ratings
          trafficPolicy:
            portLevelSettings:
            - port: {number: 9090}
              tls: {mode: ISTIO_MUTUAL}
        """

    func compile(_ yaml: String, ca: MeshCAMaterial?, serviceAccount: String? = nil) throws -> Snapshot {
        var first = Fixtures.instance("ratings", "10.1.0.1", port: 9090, portName: "grpc", labels: ["serviceAccount": "ignored"])
        if let serviceAccount { first.serviceAccount = serviceAccount }
        let instances = [first, Fixtures.instance("ratings", "10.1.0.2", port: 9090, portName: "grpc")]
        return SnapshotCompiler.compile(
            config: try Fixtures.config(ClusterPolicyTests.ratings + "\n---\n" + yaml),
            registry: Fixtures.registry(instances), version: 1, ca: ca)
    }

    /// The warnings, without the ratings fixture's own (its VirtualService names subsets no rule here defines).
    func warnings(_ snapshot: Snapshot) -> [String] {
        snapshot.warnings.filter { !$0.path.hasSuffix(".subset") }.map { "\($0.resource): \($0.path): \($0.message)" }
    }

    @Test("ISTIO_MUTUAL with CA material: certificate and bundle inline, no warning, SANs from the instances' identities")
    func istioMutualInline() throws {
        let snapshot = try compile(Self.istioMutualRule, ca: Self.material(), serviceAccount: "ratings-sa")
        let secrets = Dictionary(uniqueKeysWithValues: snapshot.secrets.map { ($0.name, $0) })
        #expect(secrets["default"]?.material?.certificateChainPEM == Self.workload.certificateChainPEM)
        #expect(secrets["default"]?.material?.privateKeyPEM == Self.workload.privateKeyPEM)
        #expect(secrets["default"]?.source == .workloadCertificate)
        #expect(secrets["ROOTCA"]?.material?.trustedCAsPEM == Self.bundle)
        #expect(secrets["ROOTCA"]?.source == .meshTrustBundle)
        #expect(warnings(snapshot).isEmpty)
        let tls = try #require(snapshot.cluster(named: Self.grpc)?.upstreamTLS)
        // One instance runs as service account ratings-sa, the other as the default one; a label is no account.
        #expect(
            tls.subjectAltNames == [
                "spiffe://cluster.local/ns/default/sa/default", "spiffe://cluster.local/ns/default/sa/ratings-sa",
            ])
    }

    @Test("DestinationRule subjectAltNames win over the service's identity")
    func explicitSANs() throws {
        let rule = Self.istioMutualRule.replacingOccurrences(
            of: "tls: {mode: ISTIO_MUTUAL}",
            with: "tls: {mode: ISTIO_MUTUAL, subjectAltNames: [spiffe://cluster.local/ns/default/sa/exact]}")
        let snapshot = try compile(rule, ca: Self.material())
        #expect(snapshot.cluster(named: Self.grpc)?.upstreamTLS?.subjectAltNames == ["spiffe://cluster.local/ns/default/sa/exact"])
    }

    @Test("CA material without a workload certificate keeps the secrets bare and warns that the CA has not issued it")
    func workloadMissing() throws {
        let snapshot = try compile(Self.istioMutualRule, ca: Self.material(workload: nil))
        #expect(snapshot.secrets.first { $0.name == "default" }?.material == nil)
        #expect(
            warnings(snapshot) == [
                "DestinationRule default/ratings: spec.trafficPolicy.portLevelSettings[0].tls.mode: ISTIO_MUTUAL needs the gateway's mesh workload certificate, which the ca role has not issued yet (see the log); until it does, connections to \(Self.grpc) are refused (503 UF)"
            ])
    }

    @Test("a renewed certificate or a rotated bundle changes the snapshot; equal material does not")
    func renewalChangesSnapshot() throws {
        let first = try compile(Self.istioMutualRule, ca: Self.material())
        let same = try compile(Self.istioMutualRule, ca: Self.material())
        var renewed = Self.workload
        renewed.certificateChainPEM = "-----BEGIN CERTIFICATE-----\ncmVuZXdlZA==\n-----END CERTIFICATE-----\n"
        renewed.serialNumber = "02"
        let second = try compile(Self.istioMutualRule, ca: Self.material(workload: renewed))
        var rotated = Self.material()
        rotated.trustBundlePEM += "-----BEGIN CERTIFICATE-----\nbmV3IHJvb3Q=\n-----END CERTIFICATE-----\n"
        let third = try compile(Self.istioMutualRule, ca: rotated)
        #expect(first.hasSameContent(as: same))
        #expect(!first.hasSameContent(as: second))
        #expect(!first.hasSameContent(as: third))
        #expect(third.secrets.first { $0.name == "ROOTCA" }?.material?.trustedCAsPEM == rotated.trustBundlePEM)
    }

    static func gateway(server: String) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: internal, namespace: default}
        spec:
          servers:
        \(server)
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: internal, namespace: default}
        spec:
          hosts: ["*"]
          gateways: [internal]
          http:
          - route:
            - destination: {host: ratings, port: {number: 9080}}
        """
    }

    @Test("an ISTIO_MUTUAL Gateway server presents the workload certificate and verifies clients with the bundle")
    func istioMutualServer() throws {
        let yaml = Self.gateway(
            server: """
                  - port: {number: 8443, name: mesh, protocol: HTTPS}
                    hosts: ["*"]
                    tls: {mode: ISTIO_MUTUAL}
                """)
        let snapshot = try compile(yaml, ca: Self.material())
        let chain = try #require(snapshot.listeners.first { $0.port == 8443 }?.filterChains.first)
        #expect(chain.tls?.certificateSecretName == "default")
        #expect(chain.tls?.caSecretName == "ROOTCA")
        #expect(chain.tls?.requireClientCertificate == true)
        #expect(snapshot.secrets.first { $0.name == "default" }?.material?.privateKeyPEM == Self.workload.privateKeyPEM)
        #expect(warnings(snapshot).isEmpty)

        let without = try compile(yaml, ca: nil)
        #expect(
            warnings(without).contains(
                "Gateway default/internal: spec.servers[0].tls.mode: ISTIO_MUTUAL needs the gateway's mesh workload certificate, which comes from the ca role; it does not run in this process, so TLS on this server is refused"
            ))
    }

    static let meshCAServer = """
          - port: {number: 8443, name: https, protocol: HTTPS}
            hosts: ["default/Shop.corp.internal", "cart.corp.internal"]
            tls: {mode: SIMPLE, credentialName: meshbox-ca}
        """

    @Test("credentialName meshbox-ca: the CA's certificate for the server's hosts, inline; a warning until it is issued")
    func meshCAServerCertificate() throws {
        let yaml = Self.gateway(server: Self.meshCAServer)
        let config = try Fixtures.config(ClusterPolicyTests.ratings + "\n---\n" + yaml)
        let requests = MeshCAMaterial.serverCertificateRequests(in: config)
        #expect(requests.map(\.dnsNames) == [["shop.corp.internal", "cart.corp.internal"]])
        let key = MeshCAMaterial.hostKey(requests[0].dnsNames)
        #expect(key == "cart.corp.internal,shop.corp.internal")

        let pending = try compile(yaml, ca: Self.material())
        #expect(
            warnings(pending) == [
                "Gateway default/internal: spec.servers[0].tls.credentialName: the mesh CA has not issued the certificate for \(key) yet; TLS on this server is refused until it does"
            ])
        let issued = try compile(yaml, ca: Self.material(servers: [key: Self.workload]))
        #expect(warnings(issued).isEmpty)
        let chain = try #require(issued.listeners.first { $0.port == 8443 }?.filterChains.first)
        #expect(chain.tls?.certificateSecretName == "meshbox-ca://\(key)")
        let secret = try #require(issued.secrets.first { $0.name == "meshbox-ca://\(key)" })
        #expect(secret.material?.certificateChainPEM == Self.workload.certificateChainPEM)
        #expect(secret.source == .credential(name: "meshbox-ca"))
    }

    @Test(
        "credentialName meshbox-ca refuses '*' and wildcard hosts at the host's path",
        arguments: [("\"*\"", "any host (*)"), ("\"*.corp.internal\"", "not wildcards (*.corp.internal)")])
    func meshCAWildcards(host: String, reason: String) throws {
        let server = """
              - port: {number: 8443, name: https, protocol: HTTPS}
                hosts: ["ok.corp.internal", \(host)]
                tls: {mode: SIMPLE, credentialName: meshbox-ca}
            """
        // The validator refuses it at apply time…
        #expect {
            _ = try ResourceDecoder.decode(Self.gateway(server: server))
        } throws: { error in
            "\(error)".contains("spec.servers[0].hosts[1]") && "\(error)".contains("exact host names only")
        }
        // …and the compiler, given such a Gateway anyway (stored before the rule), does not serve it and says where.
        var config = try Fixtures.config(
            ClusterPolicyTests.ratings + "\n---\n"
                + Self.gateway(server: server).replacingOccurrences(of: "meshbox-ca", with: "placeholder"))
        let key = ResourceKey(kind: .gateway, namespace: "default", name: "internal")
        var stored = try #require(config.resources[key])
        guard case .gateway(var spec) = stored.resource.spec else { throw Unexpected() }
        spec.servers[0].tls?.credentialName = MeshCAMaterial.reservedCredentialName
        stored.resource.spec = .gateway(spec)
        config.resources[key] = stored
        let snapshot = SnapshotCompiler.compile(config: config, registry: .empty, version: 1, ca: Self.material())
        let issue = try #require(snapshot.warnings.first { $0.path == "spec.servers[0].hosts[1]" })
        #expect(issue.severity == .error)
        #expect(issue.message.contains(reason))
        #expect(!snapshot.listeners.contains { $0.port == 8443 })
        #expect(MeshCAMaterial.serverCertificateRequests(in: config).first?.refusal?.hostIndex == 1)
    }

    struct Unexpected: Error {}

    @Test("the snapshot's JSON for the admin API redacts the CA material; the data plane's keeps it")
    func redaction() throws {
        let key = "cart.corp.internal,shop.corp.internal"
        let snapshot = try compile(
            Self.istioMutualRule + "\n---\n" + Self.gateway(server: Self.meshCAServer),
            ca: Self.material(servers: [key: Self.workload]))
        let redacting = JSONEncoder()
        redacting.userInfo[.redactSecrets] = true
        let shown = String(decoding: try redacting.encode(snapshot), as: UTF8.self)
        #expect(!shown.contains("PRIVATE KEY") && !shown.contains("BEGIN CERTIFICATE"))
        #expect(shown.contains("<redacted: "))
        let kept = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        #expect(kept.contains("PRIVATE KEY"))
        #expect(!"\(Self.material())".contains("PRIVATE KEY"))
    }
}
