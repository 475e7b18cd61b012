import Foundation
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOSSL
import Testing

@Suite("TLS termination by SNI on 127.0.0.1")
struct TLSTerminationTests {
    /// Two chains with their own certificates: `a.example.com` exactly, and `*.b.example.com`.
    static func namedChains(_ bed: TerminationBed) throws -> [Snapshot.FilterChain] {
        try bed.addCredential("a-cert", leaf: try bed.leaf(dns: "a.example.com"))
        try bed.addCredential("b-cert", leaf: try bed.leaf(dns: "*.b.example.com"))
        return [
            .init(
                name: "a",
                serverNames: ["a.example.com"],
                tls: .init(mode: .simple, certificateSecretName: "a-cert"),
                destination: .http(routeConfigurationName: "https.443")
            ),
            .init(
                name: "b",
                serverNames: ["*.b.example.com"],
                tls: .init(mode: .simple, certificateSecretName: "b-cert"),
                destination: .http(routeConfigurationName: "https.443")
            ),
        ]
    }

    @Test(
        "the client gets the certificate of the chain its SNI selects",
        arguments: [
            ("a.example.com", "a", "a.example.com"),
            ("A.Example.COM", "a", "a.example.com"),
            ("api.b.example.com", "b", "*.b.example.com"),
            ("deep.api.b.example.com", "b", "*.b.example.com"),
        ]
    )
    func certificatePerServerName(serverName: String, chain: String, certificateName: String) async throws {
        try await TerminationBed.with { bed in
            let chains = try Self.namedChains(bed)
            let server = try await bed.startTerminatingServer(
                chains: chains,
                secrets: TerminationBed.secrets(for: "a-cert") + TerminationBed.secrets(for: "b-cert")
            )
            let outcome = try await bed.probe(
                server,
                serverName: serverName,
                configuration: try bed.clientConfiguration()
            )
            #expect(outcome.serverNames == [certificateName])
            #expect(outcome.response == "chain=\(chain) alpn=none client=none\n")
        }
    }

    @Test("a client without SNI gets the chain without server names")
    func noServerNameTakesDefault() async throws {
        try await TerminationBed.with { bed in
            var chains = try Self.namedChains(bed)
            try bed.addCredential("default-cert", leaf: try bed.leaf(dns: "default.example.com"))
            chains.append(
                .init(
                    name: "default",
                    tls: .init(mode: .simple, certificateSecretName: "default-cert"),
                    destination: .http(routeConfigurationName: "https.443")
                )
            )
            let secrets = ["a-cert", "b-cert", "default-cert"].flatMap(TerminationBed.secrets(for:))
            let server = try await bed.startTerminatingServer(chains: chains, secrets: secrets)
            let anonymous = try await bed.probe(server, serverName: nil, configuration: try bed.clientConfiguration())
            let unknown = try await bed.probe(
                server,
                serverName: "other.example.org",
                configuration: try bed.clientConfiguration()
            )
            #expect(anonymous.serverNames == ["default.example.com"])
            #expect(anonymous.response == "chain=default alpn=none client=none\n")
            #expect(unknown.serverNames == ["default.example.com"])
        }
    }

    @Test("an SNI no chain takes closes the connection, and the reason is logged")
    func unmatchedServerNameIsClosed() async throws {
        try await TerminationBed.with { bed in
            let chains = try Self.namedChains(bed)
            let secrets = ["a-cert", "b-cert"].flatMap(TerminationBed.secrets(for:))
            let server = try await bed.startTerminatingServer(chains: chains, secrets: secrets)
            let outcome = try await bed.probe(
                server,
                serverName: "c.example.com",
                configuration: try bed.clientConfiguration()
            )
            #expect(outcome.serverNames.isEmpty)
            #expect(outcome.response.isEmpty)
            let record = bed.recorder.all.first { $0.message == "Connection closed before a filter chain took it" }
            #expect(record?.metadata["tls.sni"] == "c.example.com")
            #expect(record?.metadata["tls.reason"] == "no filter chain matches the server name")
        }
    }

    @Test("ALPN offers the listener's protocols and reports the one agreed")
    func applicationProtocolNegotiation() async throws {
        try await TerminationBed.with { bed in
            try bed.addCredential("web", leaf: try bed.leaf(dns: "web.example.com"))
            let chains: [Snapshot.FilterChain] = [
                .init(
                    name: "web",
                    tls: .init(mode: .simple, certificateSecretName: "web", alpnProtocols: ["h2", "http/1.1"]),
                    destination: .http(routeConfigurationName: "https.443")
                )
            ]
            let server = try await bed.startTerminatingServer(
                chains: chains,
                secrets: TerminationBed.secrets(for: "web")
            )
            var h2 = try bed.clientConfiguration()
            h2.applicationProtocols = ["h2"]
            var http1 = try bed.clientConfiguration()
            http1.applicationProtocols = ["http/1.1"]
            let none = try bed.clientConfiguration()
            let outcomes = [
                try await bed.probe(server, serverName: "web.example.com", configuration: h2),
                try await bed.probe(server, serverName: "web.example.com", configuration: http1),
                try await bed.probe(server, serverName: "web.example.com", configuration: none),
            ]
            #expect(outcomes.map(\.applicationProtocol) == ["h2", "http/1.1", nil])
            #expect(
                outcomes.map(\.response) == ["h2", "http/1.1", "none"].map { "chain=web alpn=\($0) client=none\n" }
            )
        }
    }

    @Test("a TLS 1.2-only client cannot reach a listener whose minimum is TLS 1.3")
    func versionBounds() async throws {
        try await TerminationBed.with { bed in
            try bed.addCredential("web", leaf: try bed.leaf(dns: "web.example.com"))
            let chains: [Snapshot.FilterChain] = [
                .init(
                    name: "web",
                    tls: .init(mode: .simple, certificateSecretName: "web", minVersion: .v1_3),
                    destination: .http(routeConfigurationName: "https.443")
                )
            ]
            let server = try await bed.startTerminatingServer(
                chains: chains,
                secrets: TerminationBed.secrets(for: "web")
            )
            var old = try bed.clientConfiguration()
            old.maximumTLSVersion = .tlsv12
            let refused = try await bed.probe(server, serverName: "web.example.com", configuration: old)
            let rejection = try await bed.firstRefusal()
            let current = try await bed.probe(
                server,
                serverName: "web.example.com",
                configuration: try bed.clientConfiguration()
            )
            #expect(refused.serverNames.isEmpty)
            #expect(refused.error != nil)
            #expect(rejection.reason == "no TLS version in common with the client")
            #expect(current.response == "chain=web alpn=none client=none\n")
        }
    }
}
