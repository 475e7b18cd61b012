import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOSSL
import Testing

@Suite("Client certificates on terminating listeners")
struct MutualTerminationTests {
    static let clientID = "spiffe://mesh.local/ns/shop/sa/client"

    /// One chain for `web.example.com` with the given client-certificate settings.
    static func startServer(
        _ bed: TerminationBed,
        requireClientCertificate: Bool,
        subjectAltNames: [String] = []
    ) async throws -> any Channel {
        try bed.addCredential("web", leaf: try bed.leaf(dns: "web.example.com"))
        let tls = Snapshot.ServerTLS(
            mode: .mutual,
            certificateSecretName: "web",
            caSecretName: "web-cacert",
            requireClientCertificate: requireClientCertificate,
            subjectAltNames: subjectAltNames
        )
        let chains = [Snapshot.FilterChain(name: "web", tls: tls, destination: .http(routeConfigurationName: "r"))]
        return try await bed.startTerminatingServer(chains: chains, secrets: TerminationBed.secrets(for: "web"))
    }

    @Test("MUTUAL refuses a client without a certificate, with the reason logged")
    func mutualRefusesAnonymous() async throws {
        try await TerminationBed.with { bed in
            let server = try await Self.startServer(bed, requireClientCertificate: true)
            let outcome = try await bed.probe(
                server,
                serverName: "web.example.com",
                configuration: try bed.clientConfiguration()
            )
            let refusal = try await bed.firstRefusal()
            #expect(!outcome.response.contains("chain="))
            #expect(refusal.code == .noCertificate)
            #expect(refusal.reason == "no client certificate presented")
            #expect(refusal.peerAddress?.contains("127.0.0.1") == true)
            let record = bed.recorder.all.first { $0.message == "TLS client refused" }
            #expect(record?.metadata["tls.reason"] == "no client certificate presented")
        }
    }

    @Test("MUTUAL accepts a client certificate signed by the CA and hands it to the chain")
    func mutualAcceptsSigned() async throws {
        try await TerminationBed.with { bed in
            let server = try await Self.startServer(bed, requireClientCertificate: true)
            let client = try bed.leaf(dns: "client.example.com", spiffeID: Self.clientID)
            let outcome = try await bed.probe(
                server,
                serverName: "web.example.com",
                configuration: try bed.clientConfiguration(presenting: client)
            )
            #expect(outcome.response == "chain=web alpn=none client=\(Self.clientID),client.example.com\n")
        }
    }

    @Test("MUTUAL refuses a certificate from another CA")
    func mutualRefusesOtherCA() async throws {
        try await TerminationBed.with { bed in
            let server = try await Self.startServer(bed, requireClientCertificate: true)
            let rogue = try TestPKI.Authority(trustDomain: "mesh.local", commonName: "rogue").issue(
                spiffeID: Self.clientID
            )
            let outcome = try await bed.probe(
                server,
                serverName: "web.example.com",
                configuration: try bed.clientConfiguration(presenting: rogue)
            )
            let refusal = try await bed.firstRefusal()
            #expect(!outcome.response.contains("chain="))
            #expect(refusal.code == .untrustedIssuer)
        }
    }

    @Test("OPTIONAL_MUTUAL accepts a client with a CA-signed certificate and one without")
    func optionalMutualAcceptsBoth() async throws {
        try await TerminationBed.with { bed in
            let server = try await Self.startServer(bed, requireClientCertificate: false)
            let client = try bed.leaf(dns: "client.example.com")
            let anonymous = try await bed.probe(
                server,
                serverName: "web.example.com",
                configuration: try bed.clientConfiguration()
            )
            let identified = try await bed.probe(
                server,
                serverName: "web.example.com",
                configuration: try bed.clientConfiguration(presenting: client)
            )
            #expect(anonymous.response == "chain=web alpn=none client=none\n")
            #expect(identified.response == "chain=web alpn=none client=client.example.com\n")
        }
    }

    @Test("subjectAltNames refuses a certificate without an allowed SAN and accepts one with it")
    func subjectAltNameRestriction() async throws {
        try await TerminationBed.with { bed in
            let server = try await Self.startServer(
                bed,
                requireClientCertificate: true,
                subjectAltNames: [Self.clientID, "other.example.com"]
            )
            let wrong = try bed.leaf(dns: "intruder.example.com", spiffeID: "spiffe://mesh.local/ns/shop/sa/intruder")
            let right = try bed.leaf(dns: "client.example.com", spiffeID: Self.clientID)
            let refused = try await bed.probe(
                server,
                serverName: "web.example.com",
                configuration: try bed.clientConfiguration(presenting: wrong)
            )
            let refusal = try await bed.firstRefusal()
            let accepted = try await bed.probe(
                server,
                serverName: "web.example.com",
                configuration: try bed.clientConfiguration(presenting: right)
            )
            #expect(!refused.response.contains("chain="))
            #expect(refusal.code == .subjectAltNameMismatch)
            #expect(refusal.reason.contains("intruder.example.com"))
            #expect(accepted.response.hasPrefix("chain=web"))
        }
    }
}
