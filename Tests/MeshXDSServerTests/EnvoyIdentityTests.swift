import Foundation
import MeshAPI
import MeshCA
import MeshCore
import MeshModel
import MeshTesting
import MeshXDSProto
import SwiftProtobuf
import Synchronization
import Testing

@testable import MeshXDSServer

/// Each Envoy node gets its own mesh workload certificate as the `default` secret, from a real CA.
@Suite("The ADS server gives each Envoy node its own mesh identity", .timeLimit(.minutes(1)))
struct EnvoyIdentityTests {
    typealias F = ADSFixtures
    static let secret = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"

    /// A real CA and what it issued through the server's issue closure, by node id.
    final class Issuer: Sendable {
        let pki: ADSTestPKI
        let ttl: Duration
        let issued = Mutex<[(node: String, certificate: IssuedCertificate)]>([])

        init(pki: ADSTestPKI, ttl: Duration) {
            self.pki = pki
            self.ttl = ttl
        }

        var issue: XDSEnvoyIdentityIssue {
            { [self] node in
                let identity = SPIFFEID.node(node, trustDomain: ADSTestPKI.trustDomain).description
                let (csr, key) = try CSRBuilder.make(spiffeID: identity)
                let certificate = try await pki.ca.sign(csrPEM: csr, ttl: ttl, requester: .node(node))
                issued.withLock { $0.append((node, certificate)) }
                return XDSWorkloadCertificate(
                    certificateChainPEM: certificate.certificatePEM + certificate.chainPEM, privateKeyPEM: key,
                    trustBundlePEM: certificate.trustBundlePEM,
                    serialNumber: certificate.serialNumber, notBefore: certificate.notBefore, notAfter: certificate.notAfter)
            }
        }

        func certificates(of node: String) -> [IssuedCertificate] {
            issued.withLock { $0.filter { $0.node == node }.map(\.certificate) }
        }
    }

    /// A snapshot that names the data plane's identity (`default`) and the mesh bundle (`ROOTCA`),
    /// as the compiler does for ISTIO_MUTUAL, without the control plane's key.
    static func snapshot(bundle: String) -> Snapshot {
        MeshboxNodeFixtures.snapshot(secrets: [
            .init(name: "default", kind: .certificate, source: .workloadCertificate),
            .init(name: "ROOTCA", kind: .validationContext, source: .meshTrustBundle, material: .init(trustedCAsPEM: bundle)),
        ])
    }

    static func with(
        ttl: Duration = .seconds(3600),
        _ body: @Sendable (Issuer, Int) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory(prefix: "xds-envoy-identity")
        defer { directory.remove() }
        let issuer = Issuer(pki: try await ADSTestPKI(directory: directory), ttl: ttl)
        let watch = Watch(snapshot(bundle: issuer.pki.server.trustBundlePEM))
        try await ADSTestServer.serve(
            source: MeshboxNodeFixtures.WatchSource(watch: watch), translate: XDSServer.meshTranslation,
            envoyIdentity: issuer.issue
        ) { _, port in
            try await body(issuer, port)
        }
    }

    static func secrets(_ response: Envoy_Service_Discovery_V3_DiscoveryResponse) throws
        -> [String: Envoy_Extensions_TransportSockets_Tls_V3_Secret]
    {
        var byName: [String: Envoy_Extensions_TransportSockets_Tls_V3_Secret] = [:]
        for any in response.resources {
            let secret = try Envoy_Extensions_TransportSockets_Tls_V3_Secret(unpackingAny: any)
            byName[secret.name] = secret
        }
        return byName
    }

    /// The node's `default` secret, once it carries a certificate (the first issuance may come
    /// after the first answer, which then lacks it).
    static func identity(_ stream: SotWStream, node: String) async throws
        -> (Envoy_Extensions_TransportSockets_Tls_V3_Secret, Envoy_Service_Discovery_V3_DiscoveryResponse)
    {
        var response = try await stream.exchange(F.sotw(secret, names: ["default", "ROOTCA"], node: node))
        while true {
            if let found = try secrets(response)["default"] { return (found, response) }
            stream.send(F.sotw(secret, names: ["default", "ROOTCA"], version: response.versionInfo, nonce: response.nonce))
            response = try await stream.next()
        }
    }

    static func text(_ source: Envoy_Config_Core_V3_DataSource) -> String {
        String(decoding: source.inlineBytes, as: UTF8.self)
    }

    @Test("an Envoy node gets a default secret: a certificate the CA issued for its own node identity, with its key, beside ROOTCA")
    func ownIdentity() async throws {
        try await Self.with { issuer, port in
            let (secret, response) = try await ADSTestClient.sotw(port: port) { stream in
                try await Self.identity(stream, node: "edge-1")
            }
            let issued = try #require(issuer.certificates(of: "edge-1").first)
            #expect(issued.spiffeID == "spiffe://\(ADSTestPKI.trustDomain)/ns/meshbox-system/sa/node-edge-1")
            #expect(Self.text(secret.tlsCertificate.certificateChain).hasPrefix(issued.certificatePEM))
            #expect(Self.text(secret.tlsCertificate.privateKey).contains("PRIVATE KEY"))
            let bundle = try #require(try Self.secrets(response)["ROOTCA"])
            #expect(Self.text(bundle.validationContext.trustedCa) == issuer.pki.server.trustBundlePEM)
        }
    }

    @Test("two Envoy nodes get different certificates and keys, each for its own identity; a node's second stream shares its own")
    func perNode() async throws {
        try await Self.with { issuer, port in
            let first = try await ADSTestClient.sotw(port: port) { try await Self.identity($0, node: "edge-1").0 }
            let second = try await ADSTestClient.sotw(port: port) { try await Self.identity($0, node: "edge-2").0 }
            #expect(first.tlsCertificate.privateKey != second.tlsCertificate.privateKey)
            #expect(first.tlsCertificate.certificateChain != second.tlsCertificate.certificateChain)
            #expect(issuer.certificates(of: "edge-2").map(\.spiffeID) == ["spiffe://\(ADSTestPKI.trustDomain)/ns/meshbox-system/sa/node-edge-2"])
            let again = try await ADSTestClient.sotw(port: port) { try await Self.identity($0, node: "edge-1").0 }
            #expect(again == first)
            #expect(issuer.certificates(of: "edge-1").count == 1)
        }
    }

    @Test("a meshbox node gets no certificate from the server: none is issued and no key is sent")
    func meshboxNodeGetsNone() async throws {
        try await Self.with { issuer, port in
            let received = try await ADSTestClient.delta(port: port) { stream in
                try await MeshboxNodeFixtures.fetchAll(stream, node: MeshboxNodeFixtures.node("edge-3"))
            }
            let bytes = try received.values.flatMap(\.values).map { try $0.serializedBytes() as [UInt8] }
            #expect(!bytes.isEmpty)
            #expect(bytes.allSatisfy { !String(decoding: $0, as: UTF8.self).contains("PRIVATE KEY") })
            // An Envoy afterwards is issued one: the issuer works, the meshbox node was not given one.
            _ = try await ADSTestClient.sotw(port: port) { try await Self.identity($0, node: "edge-4") }
            #expect(issuer.issued.withLock { $0.map(\.node) } == ["edge-4"])
        }
    }

    @Test("at half its life the certificate is renewed and pushed as a new SotW version on the open stream")
    func renewalSotW() async throws {
        try await Self.with(ttl: .seconds(2)) { issuer, port in
            try await ADSTestClient.sotw(port: port) { stream in
                let (first, response) = try await Self.identity(stream, node: "edge-5")
                stream.send(F.sotw(Self.secret, names: ["default", "ROOTCA"], version: response.versionInfo, nonce: response.nonce))
                let pushed = try await stream.next()
                let renewed = try #require(try Self.secrets(pushed)["default"])
                #expect(pushed.versionInfo != response.versionInfo)
                #expect(renewed.tlsCertificate.certificateChain != first.tlsCertificate.certificateChain)
                #expect(renewed.tlsCertificate.privateKey != first.tlsCertificate.privateKey)
            }
            #expect(issuer.certificates(of: "edge-5").count >= 2)
        }
    }

    @Test("a delta client is pushed the renewed default with a new resource version")
    func renewalDelta() async throws {
        try await Self.with(ttl: .seconds(2)) { issuer, port in
            try await ADSTestClient.delta(port: port) { stream in
                var response = try await stream.exchange(F.delta(Self.secret, subscribe: ["default"], node: "edge-6"))
                var versions: [String] = []
                while versions.count < 2 {
                    if let resource = response.resources.first(where: { $0.name == "default" }) {
                        versions.append(resource.version)
                    }
                    stream.send(F.delta(Self.secret, nonce: response.nonce))
                    if versions.count < 2 { response = try await stream.next() }
                }
                #expect(versions[0] != versions[1])
            }
            #expect(issuer.certificates(of: "edge-6").count >= 2)
        }
    }
}
