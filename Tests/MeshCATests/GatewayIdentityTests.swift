import Crypto
import Foundation
import MeshAPI
import MeshCore
import MeshModel
import MeshTesting
import SwiftASN1
import Testing
@_spi(FixedExpiryValidationTime) import X509

@testable import MeshCA

/// The gateway's mesh identity from the co-located CA: its SPIFFE certificate with a key made
/// locally, renewal at half-life, the trust bundle through a root rotation, and server
/// certificates with DNS SANs for `credentialName: meshbox-ca`.
@Suite("GatewayIdentity")
struct GatewayIdentityTests {
    static let gatewayID = "spiffe://\(trustDomain)/ns/istio-system/sa/istio-ingressgateway-service-account"

    /// A GatewayIdentity whose renewal loop never runs by itself (the tests call `reconcile`).
    func identity(_ ca: CertificateAuthority, _ clock: TestNow, options: GatewayIdentity.Options = .init()) throws
        -> GatewayIdentity
    {
        var options = options
        options.ttl = options.ttl ?? .seconds(2 * hour)
        return try GatewayIdentity(authority: ca, options: options, now: clock.closure, random: { 0.5 })
    }

    func gatewayConfig(hosts: [String]) throws -> ConfigState {
        let hostList = hosts.map { "\"\($0)\"" }.joined(separator: ", ")
        let resources = try ResourceDecoder.decode(
            """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: internal, namespace: default}
            spec:
              servers:
              - port: {number: 8443, name: https, protocol: HTTPS}
                hosts: [\(hostList)]
                tls: {mode: SIMPLE, credentialName: meshbox-ca}
            """)
        let date = Date(timeIntervalSince1970: 0)
        return ConfigState(
            revision: 1,
            resources: Dictionary(
                uniqueKeysWithValues: resources.map {
                    ($0.key, StoredResource(resource: $0, revision: 1, createRevision: 1, version: 1, updatedAt: date))
                }))
    }

    func leaf(_ credential: MeshCAMaterial.Credential) throws -> Certificate {
        try #require(try certificates(credential.certificateChainPEM).first)
    }

    @Test("prepare issues the configured SPIFFE ID; the key is made here and matches; the bundle comes along")
    func prepare() async throws {
        try await withCA { ca, clock, _ in
            let identity = try identity(ca, clock)
            await identity.prepare()
            let material = try #require(identity.material.current)
            let workload = try #require(material.workload)
            let certificate = try leaf(workload)
            #expect(certificate.uriSANs == [Self.gatewayID])
            #expect(material.workloadSPIFFEID == Self.gatewayID)
            let key = try P256.Signing.PrivateKey(pemRepresentation: workload.privateKeyPEM)
            #expect(certificate.publicKey == Certificate.PublicKey(key.publicKey))
            #expect(material.trustBundlePEM == (await ca.trustBundlePEM()))
            let issued = IssuedCertificate(
                certificatePEM: workload.certificateChainPEM, chainPEM: "", trustBundlePEM: material.trustBundlePEM,
                spiffeID: Self.gatewayID, serialNumber: workload.serialNumber, notBefore: workload.notBefore,
                notAfter: workload.notAfter)
            #expect(try await verifiedChain(issued, at: clock.now) != nil)
            #expect(!"\(material)".contains("PRIVATE KEY"))
        }
    }

    @Test("a configured namespace and service account make the SPIFFE ID; a bad one is refused")
    func configuredIdentity() async throws {
        try await withCA { ca, clock, _ in
            let identity = try identity(ca, clock, options: .init(namespace: "edge", serviceAccount: "gw"))
            await identity.prepare()
            let workload = try #require(identity.material.current?.workload)
            #expect(try leaf(workload).uriSANs == ["spiffe://\(trustDomain)/ns/edge/sa/gw"])
            #expect(throws: MeshError.self) { try self.identity(ca, clock, options: .init(serviceAccount: "a/b")) }
        }
    }

    @Test("renews at half of the lifetime (counted from arrival), not before; each renewal is new material")
    func renewal() async throws {
        try await withCA { ca, clock, _ in
            let identity = try identity(ca, clock)
            await identity.prepare()
            let first = try #require(identity.material.current?.workload)
            let due = try #require(await identity.nextWorkloadRenewal)
            #expect(abs(due.timeIntervalSince(clock.now) - hour) < 1)
            clock.advance(hour - 60)
            await identity.reconcile()
            #expect(identity.material.current?.workload?.serialNumber == first.serialNumber)
            var serials = [first.serialNumber]
            for _ in 0..<3 {
                clock.advance(hour + 60)
                await identity.reconcile()
                let next = try #require(identity.material.current?.workload)
                #expect(!serials.contains(next.serialNumber))
                #expect(next.privateKeyPEM != first.privateKeyPEM)
                serials.append(next.serialNumber)
            }
        }
    }

    @Test("a root rotation puts both roots in the material's bundle; the old certificate stays valid until renewal")
    func rootRotation() async throws {
        try await withCA { ca, clock, _ in
            let identity = try identity(ca, clock)
            await identity.prepare()
            let before = try #require(identity.material.current)
            #expect(try certificates(before.trustBundlePEM).count == 1)
            _ = try await ca.rotateRoot()
            let rotated = ca.trustBundleUpdates.current
            #expect(try certificates(rotated).count == 2)
            // What `run` does with each bundle update.
            await identity.bundleChanged(rotated)
            let after = try #require(identity.material.current)
            #expect(try certificates(after.trustBundlePEM).count == 2)
            #expect(after.workload?.serialNumber == before.workload?.serialNumber)
            // Renewed during the overlap: the new leaf and the new root cross-signed by the old, as two PEM blocks.
            clock.advance(hour + 60)
            await identity.reconcile()
            let renewed = try #require(identity.material.current?.workload)
            let chain = try certificates(renewed.certificateChainPEM)
            #expect(chain.count == 2)
            #expect(chain.last?.isCertificateAuthority == true)
        }
    }

    @Test("run follows config and root rotations by itself and ends its material stream when cancelled")
    func runFollowsChanges() async throws {
        try await withCA { ca, clock, _ in
            let (configs, config) = AsyncStream.makeStream(of: ConfigState.self)
            let identity = try GatewayIdentity(
                authority: ca, options: .init(ttl: .seconds(2 * hour), tick: .milliseconds(20)), configUpdates: configs,
                now: clock.closure)
            let running = Task { try await identity.run() }
            try await eventually("the first material") { identity.material.current?.workload != nil }
            let stream = identity.material.updates()
            config.yield(try gatewayConfig(hosts: ["shop.corp.internal"]))
            try await eventually("the server certificate") {
                identity.material.current?.serverCertificates["shop.corp.internal"] != nil
            }
            _ = try await ca.rotateRoot()
            try await eventually("both roots in the bundle") {
                try certificates(identity.material.current?.trustBundlePEM ?? "").count == 2
            }
            running.cancel()
            _ = try await running.value
            for await _ in stream {}  // ends: the material watch finished
        }
    }

    @Test("server certificates for meshbox-ca hosts carry DNS SANs, verify against the bundle, and go when unwanted")
    func serverCertificates() async throws {
        try await withCA { ca, clock, _ in
            let identity = try identity(ca, clock)
            await identity.prepare()
            await identity.want(try gatewayConfig(hosts: ["Shop.corp.internal", "cart.corp.internal"]))
            let key = "cart.corp.internal,shop.corp.internal"
            let material = try #require(identity.material.current)
            let server = try #require(material.serverCertificates[key])
            let certificate = try leaf(server)
            let names = Array(try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames())
            #expect(names == [.dnsName("cart.corp.internal"), .dnsName("shop.corp.internal")])
            #expect(certificate.uriSANs.isEmpty)
            var verifier = Verifier(rootCertificates: CertificateStore(try certificates(material.trustBundlePEM))) {
                RFC5280Policy(fixedExpiryValidationTime: clock.now)
                ServerIdentityPolicy(serverHostname: "shop.corp.internal", serverIP: nil)
            }
            let result = await verifier.validate(leaf: certificate, intermediates: CertificateStore())
            guard case .validCertificate = result else {
                Issue.record("server certificate does not verify: \(result)")
                return
            }
            let status = await ca.status()
            #expect(status.issued.contains { $0.spiffeID == "dns:\(key)" && $0.requester == "gateway" })

            // Wildcard hosts are not asked for; a config without the server drops the certificate.
            await identity.want(try gatewayConfig(hosts: ["other.corp.internal"]))
            #expect(identity.material.current?.serverCertificates.keys.sorted() == ["other.corp.internal"])
        }
    }

    @Test(
        "the DNS signing path refuses wildcards, '*', a CSR for other names and a SPIFFE URI",
        arguments: [
            (["*"], ["*"]), (["*.corp.internal"], ["*.corp.internal"]), (["a.corp.internal"], ["b.corp.internal"]),
            (["bad_name!"], ["bad_name!"]),
        ])
    func serverSigningRefusals(asked: [String], csrNames: [String]) async throws {
        try await withCA { ca, _, _ in
            let request = try CSRBuilder.make(dnsNames: csrNames).csrPEM
            await #expect(throws: MeshError.self) {
                _ = try await ca.signServerCertificate(csrPEM: request, dnsNames: asked, ttl: nil)
            }
            let spiffe = try csr(workload("default", "web"))
            await #expect(throws: MeshError.self) {
                _ = try await ca.signServerCertificate(csrPEM: spiffe, dnsNames: ["web.corp.internal"], ttl: nil)
            }
            // And the public SPIFFE path still refuses DNS-only CSRs.
            let dnsOnly = try CSRBuilder.make(dnsNames: ["web.corp.internal"]).csrPEM
            await #expect(throws: MeshError.self) { _ = try await ca.sign(csrPEM: dnsOnly, ttl: nil, requester: .admin) }
        }
    }
}
