import Foundation
import MeshModel
import MeshNet
import MeshTesting
import Testing

/// TLS the data plane originates to upstreams (DestinationRule `tls`), with real handshakes against
/// HTTPS backends on 127.0.0.1: verification against the CA, the SNI name or `subjectAltNames`, client
/// certificates, `insecureSkipVerify`, and refusals that count as connect failures (503 `UF`).
@Suite("Upstream TLS")
struct UpstreamTLSTests {
    static let connectError = "upstream connect error or disconnect/reset before headers\n"

    @Test("SIMPLE with the right CA: 200, the SNI is the service host, and the pooled TLS connection is reused")
    func simple() async throws {
        let bed = try UpstreamTLSBed()
        let backend = try await bed.backend("tls-1", leaf: try bed.serverLeaf())
        let report = await bed.apply(
            tls: .init(mode: .simple, caSecretName: try bed.trustedCA().name),
            secrets: [try bed.trustedCA()],
            backends: [backend.port]
        )
        #expect(report.problems.isEmpty, "\(report.problems)")
        let client = try await ProxyClient.connect(port: bed.port, group: bed.group)
        for index in 0..<3 {
            let response = try await client.send("GET", "/\(index)", host: "app.example.com")
            #expect(response.status == 200 && response.text == "tls-1", "\(response)")
            #expect(response.header("x-sni") == UpstreamTLSBed.serviceHost)
            #expect(response.header("x-client-sans") == "none")
        }
        await client.close()
        #expect(backend.connectionCount == 1, "keep-alive over TLS: \(backend.connectionCount) connections")
        await bed.shutdown([backend])
    }

    @Test("SIMPLE against a certificate of another CA: 503 UF, the reason logged, nothing reaches the backend")
    func wrongCA() async throws {
        let bed = try UpstreamTLSBed()
        let backend = try await bed.backend(
            "foreign",
            leaf: try bed.stranger.issue(spiffeID: nil, dnsName: UpstreamTLSBed.serviceHost)
        )
        let ca = try bed.trustedCA()
        await bed.apply(tls: .init(mode: .simple, caSecretName: ca.name), secrets: [ca], backends: [backend.port])
        let response = try await bed.get()
        #expect(response.status == 503 && response.text == Self.connectError, "\(response)")
        #expect(backend.requestCount == 0)
        #expect(bed.refusalReasons.contains { $0.contains("not issued by a trusted CA") }, "\(bed.refusalReasons)")
        try await eventually("the access log line with UF") { bed.accessLog.contains("\"response_flags\":\"UF\"") }
        await bed.shutdown([backend])
    }

    @Test("the certificate must be valid for the SNI name when no subjectAltNames are given")
    func hostnameMismatch() async throws {
        let bed = try UpstreamTLSBed()
        let backend = try await bed.backend("other-name", leaf: try bed.serverLeaf(dns: "other.example.com"))
        let ca = try bed.trustedCA()
        await bed.apply(tls: .init(mode: .simple, caSecretName: ca.name), secrets: [ca], backends: [backend.port])
        #expect(try await bed.get().status == 503)
        #expect(
            bed.refusalReasons.contains { $0.contains("not valid for \(UpstreamTLSBed.serviceHost)") },
            "\(bed.refusalReasons)"
        )
        // With `sni` naming it, the same certificate is accepted.
        await bed.apply(
            tls: .init(mode: .simple, sni: "other.example.com", caSecretName: ca.name),
            secrets: [ca],
            backends: [backend.port],
            version: 2
        )
        let response = try await bed.get()
        #expect(response.status == 200 && response.header("x-sni") == "other.example.com", "\(response)")
        await bed.shutdown([backend])
    }

    @Test("subjectAltNames: a certificate with one of them is accepted whatever the SNI; one without is refused (503)")
    func subjectAltNames() async throws {
        let bed = try UpstreamTLSBed()
        let spiffe = "spiffe://upstream.test/ns/default/sa/app"
        let backend = try await bed.backend("svid", leaf: try bed.serverLeaf(dns: "pod-1.internal", spiffeID: spiffe))
        let ca = try bed.trustedCA()
        await bed.apply(
            tls: .init(
                mode: .simple,
                subjectAltNames: ["spiffe://upstream.test/ns/default/sa/other", spiffe],
                caSecretName: ca.name
            ),
            secrets: [ca],
            backends: [backend.port]
        )
        #expect(try await bed.get().status == 200)
        await bed.apply(
            tls: .init(
                mode: .simple,
                subjectAltNames: ["spiffe://upstream.test/ns/default/sa/other"],
                caSecretName: ca.name
            ),
            secrets: [ca],
            backends: [backend.port],
            version: 2
        )
        let refused = try await bed.get()
        #expect(refused.status == 503 && refused.text == Self.connectError, "\(refused)")
        #expect(
            bed.refusalReasons.contains {
                $0.contains(
                    "SANs [\(spiffe),pod-1.internal] match none of [spiffe://upstream.test/ns/default/sa/other]"
                )
            },
            "\(bed.refusalReasons)"
        )
        try await eventually("the access log line with UF") { bed.accessLog.contains("\"response_flags\":\"UF\"") }
        await bed.shutdown([backend])
    }

    @Test("MUTUAL: the backend requires a client certificate and sees the gateway's")
    func mutual() async throws {
        let bed = try UpstreamTLSBed()
        let backend = try await bed.backend("mtls", leaf: try bed.serverLeaf(), clientCA: bed.authority)
        let ca = try bed.trustedCA()
        let gatewayID = "spiffe://upstream.test/ns/meshbox-system/sa/gateway"
        let certificate = try bed.clientCertificate(spiffeID: gatewayID)
        let report = await bed.apply(
            tls: .init(mode: .mutual, certificateSecretName: certificate.name, caSecretName: ca.name),
            secrets: [ca, certificate],
            backends: [backend.port]
        )
        #expect(report.problems.isEmpty, "\(report.problems)")
        let response = try await bed.get()
        #expect(response.status == 200 && response.header("x-client-sans") == gatewayID, "\(response)")
        await bed.shutdown([backend])
    }

    @Test("MUTUAL with a credential carried inline in the snapshot (credentialName from the config store)")
    func inlineCredential() async throws {
        let bed = try UpstreamTLSBed()
        let backend = try await bed.backend("mtls", leaf: try bed.serverLeaf(), clientCA: bed.authority)
        let client = try bed.authority.issue(spiffeID: "spiffe://upstream.test/ns/edge/sa/gateway")
        let secrets: [Snapshot.SecretReference] = [
            .init(
                name: "kubernetes://default/client",
                kind: .certificate,
                source: .credential(name: "default/client"),
                material: .init(certificateChainPEM: try client.chainPEM, privateKeyPEM: client.privateKeyPEM)
            ),
            .init(
                name: "kubernetes://default/client-cacert",
                kind: .validationContext,
                source: .credential(name: "default/client"),
                material: .init(trustedCAsPEM: try bed.authority.certificatePEM)
            ),
        ]
        let report = await bed.apply(
            tls: .init(
                mode: .mutual,
                certificateSecretName: "kubernetes://default/client",
                caSecretName: "kubernetes://default/client-cacert"
            ),
            secrets: secrets,
            backends: [backend.port]
        )
        #expect(report.problems.isEmpty, "\(report.problems)")
        let response = try await bed.get()
        #expect(
            response.status == 200 && response.header("x-client-sans") == "spiffe://upstream.test/ns/edge/sa/gateway"
        )
        await bed.shutdown([backend])
    }

    @Test("ISTIO_MUTUAL presents the workload certificate, trusts the mesh bundle and sends Istio's outbound SNI")
    func istioMutual() async throws {
        let mesh = try TestPKI.Authority(trustDomain: "cluster.local")
        let workload = try mesh.issue(spiffeID: "spiffe://cluster.local/ns/meshbox-system/sa/gateway")
        let identity = ResolvedSecret(
            certificateChainPEM: try workload.chainPEM,
            privateKeyPEM: workload.privateKeyPEM,
            trustedCAsPEM: try mesh.certificatePEM
        )
        let bed = try UpstreamTLSBed(
            secrets: FileSecretResolver(workloadCertificate: { identity }, meshTrustBundle: { identity })
        )
        let backend = try await bed.backend(
            "sidecar",
            leaf: try mesh.issue(spiffeID: "spiffe://cluster.local/ns/default/sa/app"),
            clientCA: mesh
        )
        let secrets: [Snapshot.SecretReference] = [
            .init(name: "default", kind: .certificate, source: .workloadCertificate),
            .init(name: "ROOTCA", kind: .validationContext, source: .meshTrustBundle),
        ]
        let tls = Snapshot.UpstreamTLS(mode: .istioMutual, certificateSecretName: "default", caSecretName: "ROOTCA")
        let report = await bed.apply(tls: tls, secrets: secrets, backends: [backend.port])
        #expect(report.problems.isEmpty, "\(report.problems)")
        let response = try await bed.get()
        #expect(response.status == 200, "\(response)")
        #expect(response.header("x-client-sans") == "spiffe://cluster.local/ns/meshbox-system/sa/gateway")
        #expect(response.header("x-sni") == "outbound_.80_._.\(UpstreamTLSBed.serviceHost)")
        await bed.shutdown([backend])

        // A data plane without a mesh identity refuses the cluster, saying why.
        let bare = try UpstreamTLSBed()
        let refused = await bare.apply(tls: tls, secrets: secrets, backends: [backend.port])
        #expect(refused.problems.contains { $0.contains("workload certificate not found") }, "\(refused.problems)")
        #expect(try await bare.get().status == 503)
        await bare.shutdown()
    }

    @Test("insecureSkipVerify accepts a certificate of an unknown CA for another name")
    func insecureSkipVerify() async throws {
        let bed = try UpstreamTLSBed()
        let backend = try await bed.backend(
            "anyone",
            leaf: try bed.stranger.issue(spiffeID: nil, dnsName: "somewhere.else")
        )
        let ca = try bed.trustedCA()
        await bed.apply(
            tls: .init(
                mode: .simple,
                subjectAltNames: ["ignored.example"],
                caSecretName: ca.name,
                insecureSkipVerify: true
            ),
            secrets: [ca],
            backends: [backend.port]
        )
        let response = try await bed.get()
        #expect(response.status == 200 && response.text == "anyone", "\(response)")
        await bed.shutdown([backend])
    }

    @Test("a refused handshake is a connect failure: retries on connect-failure move to a healthy TLS endpoint")
    func retries() async throws {
        let bed = try UpstreamTLSBed()
        let good = try await bed.backend("good", leaf: try bed.serverLeaf())
        let bad = try await bed.backend(
            "bad",
            leaf: try bed.stranger.issue(spiffeID: nil, dnsName: UpstreamTLSBed.serviceHost)
        )
        let ca = try bed.trustedCA()
        await bed.apply(
            tls: .init(mode: .simple, caSecretName: ca.name),
            secrets: [ca],
            backends: [bad.port, good.port],
            retry: .init(retryOn: "connect-failure", numRetries: 2, backoffBaseInterval: .milliseconds(5))
        )
        for index in 0..<8 {
            let response = try await bed.get("/\(index)")
            #expect(response.status == 200 && response.text == "good", "request \(index): \(response)")
        }
        #expect(bad.requestCount == 0 && bad.connectionCount > 0)
        await bed.shutdown([good, bad])
    }

    @Test("a mirror to a TLS cluster gets its copy over TLS")
    func mirror() async throws {
        let bed = try UpstreamTLSBed()
        let primary = try await bed.backend("primary", leaf: try bed.serverLeaf())
        let shadow = try await bed.backend("shadow", leaf: try bed.serverLeaf())
        let ca = try bed.trustedCA()
        await bed.apply(
            tls: .init(mode: .simple, caSecretName: ca.name),
            secrets: [ca],
            backends: [primary.port],
            mirrorTo: shadow.port
        )
        #expect(try await bed.get().text == "primary")
        try await eventually("the mirrored copy") { shadow.requestCount == 1 }
        await bed.shutdown([primary, shadow])
    }

    @Test("TLS settings that cannot be built: a snapshot problem, and the cluster refuses with 503 UF")
    func unusableSettings() async throws {
        let bed = try UpstreamTLSBed()
        let backend = try await bed.backend("tls", leaf: try bed.serverLeaf())
        let missing = bed.directory.path + "/missing-ca.pem"
        let ca = Snapshot.SecretReference(
            name: "file-root:\(missing)",
            kind: .validationContext,
            source: .caFile(missing)
        )
        let report = await bed.apply(
            tls: .init(mode: .simple, caSecretName: ca.name),
            secrets: [ca],
            backends: [backend.port]
        )
        #expect(
            report.problems.contains {
                $0.contains("upstream TLS") && $0.contains("missing-ca.pem") && $0.contains("does not exist")
            },
            "\(report.problems)"
        )
        let response = try await bed.get()
        #expect(response.status == 503 && response.text == Self.connectError, "\(response)")
        #expect(backend.connectionCount == 0)
        await bed.shutdown([backend])
    }

    @Test("a TCP route to a cluster with TLS: the relay originates TLS, and a refused handshake closes the client")
    func tcpOrigination() async throws {
        let bed = try UpstreamTLSBed()
        let good = try await bed.backend("tcp-tls", leaf: try bed.serverLeaf())
        let ca = try bed.trustedCA()
        let report = await bed.applyTCP(
            tls: .init(mode: .simple, caSecretName: ca.name),
            secrets: [ca],
            backends: [good.port]
        )
        #expect(report.problems.isEmpty && report.failed.isEmpty, "\(report)")
        let request = Array("GET /raw HTTP/1.1\r\nHost: raw\r\nConnection: close\r\n\r\n".utf8)
        let relayed = try await RawClient.exchange(port: bed.port, bytes: request, quietPeriod: 3)
        #expect(relayed.firstStatus == 200 && relayed.text.hasSuffix("tcp-tls"), "\(relayed.text)")
        #expect(relayed.text.lowercased().contains("x-sni: \(UpstreamTLSBed.serviceHost)"), "\(relayed.text)")
        await good.stop()

        let foreign = try await bed.backend(
            "foreign",
            leaf: try bed.stranger.issue(spiffeID: nil, dnsName: UpstreamTLSBed.serviceHost)
        )
        await bed.applyTCP(tls: .init(mode: .simple, caSecretName: ca.name), secrets: [ca], backends: [foreign.port])
        let refused = try await RawClient.exchange(port: bed.port, bytes: request, quietPeriod: 3)
        #expect(refused.text.isEmpty && refused.closedByPeer, "\(refused.text)")
        #expect(foreign.requestCount == 0)
        #expect(bed.refusalReasons.contains { $0.contains("not issued by a trusted CA") }, "\(bed.refusalReasons)")
        await bed.shutdown([foreign])
    }

    @Test("a plain-text upstream behind a TLS cluster: 503 with a clear reason")
    func plaintextUpstream() async throws {
        let bed = try UpstreamTLSBed()
        let plain = try await TestBackend.start(name: "plain", group: bed.group)
        let ca = try bed.trustedCA()
        await bed.apply(tls: .init(mode: .simple, caSecretName: ca.name), secrets: [ca], backends: [plain.port])
        #expect(try await bed.get().status == 503)
        #expect(bed.refusalReasons.contains { $0.contains("does not speak TLS") }, "\(bed.refusalReasons)")
        await plain.stop()
        await bed.shutdown()
    }
}
