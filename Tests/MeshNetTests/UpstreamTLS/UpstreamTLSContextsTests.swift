import Foundation
import MeshModel
import MeshNet
import MeshTesting
import Testing

/// Client contexts built once per distinct setting, the SNI defaults, and refusals that name the cause.
@Suite("UpstreamTLSContexts")
struct UpstreamTLSContextsTests {
    static func cluster(_ name: String, host: String = "app.default.svc.cluster.local", tls: Snapshot.UpstreamTLS)
        -> Snapshot.Cluster
    {
        Snapshot.Cluster(name: name, serviceHost: host, port: 9080, subset: "v1", upstreamTLS: tls)
    }

    @Test("clusters with the same material share contexts; a sweep drops what no snapshot asked for")
    func caching() throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-upstream-contexts")
        defer { directory.remove() }
        let authority = try TestPKI.Authority(trustDomain: "upstream.test")
        let path = directory.file("ca.pem")
        try authority.certificatePEM.write(toFile: path, atomically: true, encoding: .utf8)
        let secrets = [
            Snapshot.SecretReference(name: "file-root:\(path)", kind: .validationContext, source: .caFile(path))
        ]
        let tls = Snapshot.UpstreamTLS(mode: .simple, caSecretName: "file-root:\(path)")
        let contexts = UpstreamTLSContexts(resolver: FileSecretResolver())
        let first = contexts.client(for: Self.cluster("a", tls: tls), secrets: secrets)
        let second = contexts.client(for: Self.cluster("b", tls: tls), secrets: secrets)
        #expect(first.refusal == nil && second.refusal == nil)
        #expect(contexts.count == 2, "one context for HTTP (ALPN http/1.1), one for TCP relays")
        var insecure = tls
        insecure.insecureSkipVerify = true
        _ = contexts.client(for: Self.cluster("c", tls: insecure), secrets: secrets)
        #expect(contexts.count == 4)
        contexts.sweep()
        _ = contexts.client(for: Self.cluster("a", tls: tls), secrets: secrets)
        contexts.sweep()
        #expect(contexts.count == 2)
    }

    @Test(
        "SNI: sni, else Istio's outbound name for ISTIO_MUTUAL, else the service host; never an IP address",
        arguments: [
            (Snapshot.UpstreamTLS(mode: .simple, sni: "api.internal"), "app.default.svc.cluster.local", "api.internal"),
            (Snapshot.UpstreamTLS(mode: .simple), "app.default.svc.cluster.local", "app.default.svc.cluster.local"),
            (
                Snapshot.UpstreamTLS(mode: .istioMutual), "app.default.svc.cluster.local",
                "outbound_.9080_.v1_.app.default.svc.cluster.local"
            ),
            (Snapshot.UpstreamTLS(mode: .simple), "10.0.0.7", nil),
        ] as [(Snapshot.UpstreamTLS, String, String?)]
    )
    func serverName(tls: Snapshot.UpstreamTLS, host: String, expected: String?) {
        #expect(UpstreamTLSContexts.serverName(for: Self.cluster("c", host: host, tls: tls), tls: tls) == expected)
    }

    @Test("MUTUAL without a client certificate, or a secret missing from the snapshot, refuses with the reason")
    func refusals() {
        let contexts = UpstreamTLSContexts(resolver: FileSecretResolver())
        let noCertificate = contexts.client(for: Self.cluster("m", tls: .init(mode: .mutual)), secrets: [])
        #expect(noCertificate.refusal?.reason == "MUTUAL TLS needs a client certificate and key")
        let missing = contexts.client(
            for: Self.cluster("s", tls: .init(mode: .simple, caSecretName: "file-root:/x")),
            secrets: []
        )
        #expect(missing.refusal?.reason == "secret 'file-root:/x' is not in the snapshot")
        #expect(missing.refusal?.code == .notConfigured)
    }
}
