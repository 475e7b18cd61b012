import Foundation
import MeshAPI
import MeshCA
import MeshTesting
import Synchronization
import Testing

@testable import MeshXDSServer

@Suite("The ADS listener renews its own certificate", .timeLimit(.minutes(1)))
struct ServerCertificateRenewalTests {
    typealias F = ADSFixtures

    /// The serial (lowercase hex, no leading zeros) of the certificate a new TLS connection to
    /// `port` is shown, read by the real openssl.
    static func presentedSerial(port: Int, client: (certificate: String, key: String, ca: String)) async throws -> String {
        let (_, output) = try await Tool.run(
            "sh",
            [
                "-c",
                "openssl s_client -connect 127.0.0.1:\(port) -cert \(client.certificate) -key \(client.key) -CAfile \(client.ca) -alpn h2 </dev/null 2>/dev/null | openssl x509 -noout -serial",
            ])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("serial=") }) else {
            throw TestFailure("openssl s_client showed no certificate: \(output)")
        }
        return normalized(String(line.dropFirst("serial=".count)))
    }

    static func normalized(_ hex: String) -> String {
        let digits = hex.lowercased().drop { $0 == "0" }
        return digits.isEmpty ? "0" : String(digits)
    }

    @Test("renewal is due at two thirds of the time between getting a certificate and its expiry")
    func schedule() {
        let received = Date(timeIntervalSince1970: 1_000_000)
        let due = XDSServerCertificateRenewal.renewalDate(received: received, notAfter: received.addingTimeInterval(24 * 3600))
        #expect(due == received.addingTimeInterval(16 * 3600))
        #expect(XDSServerCertificateRenewal.renewalDate(received: received, notAfter: received.addingTimeInterval(-5)) == received)
    }

    @Test("with a 3 s certificate, new connections soon see a new serial, and still connect after the first one expired")
    func renewed() async throws {
        let directory = try TemporaryDirectory(prefix: "xds-server-renewal")
        defer { directory.remove() }
        let pki = try await ADSTestPKI(directory: directory)
        let edge = try await pki.join("edge-1")
        let files = try await pki.writeNodeFiles("edge-2", into: directory)
        let issued = Mutex<[String]>([])
        let issue: XDSServerCertificateIssue = { [ca = pki.ca] in
            let (csr, key) = try CSRBuilder.make(spiffeID: SPIFFEID.node("control", trustDomain: ADSTestPKI.trustDomain).description)
            let certificate = try await ca.sign(csrPEM: csr, ttl: .seconds(3), requester: .admin)
            issued.withLock { $0.append(certificate.serialNumber) }
            return XDSServerCertificate(
                certificateChainPEM: certificate.certificatePEM + certificate.chainPEM, privateKeyPEM: key,
                serialNumber: certificate.serialNumber, notAfter: certificate.notAfter)
        }
        let first = try await issue()
        let security = XDSServer.Security.mutualTLS(
            .init(
                certificateChainPEM: first.certificateChainPEM, privateKeyPEM: first.privateKeyPEM,
                trustRootsPEM: pki.server.trustBundlePEM,
                nodeIdentity: { SPIFFEID.node($0, trustDomain: ADSTestPKI.trustDomain).description },
                renewCertificate: issue))
        try await ADSTestServer.with(SotWStreamMachineTests.mesh, security: security) { _, _, port in
            let initial = try await Self.presentedSerial(port: port, client: files)
            #expect(initial == Self.normalized(first.serialNumber))
            var renewed = initial
            try await eventually("a new certificate on a new connection", timeout: .seconds(15), every: .milliseconds(250)) {
                renewed = try await Self.presentedSerial(port: port, client: files)
                return renewed != initial
            }
            #expect(issued.withLock { $0.dropFirst().map(Self.normalized).contains(renewed) })
            // Past the first certificate's expiry a client that checks it still connects.
            try await Task.sleep(until: .now + .seconds(max(0, first.notAfter.timeIntervalSinceNow) + 0.5))
            let names = try await ADSTestClient.sotw(port: port, security: pki.clientSecurity(edge)) { stream in
                try await stream.exchange(F.sotw(F.cluster, node: "edge-1")).names
            }
            #expect(names == ["a", "b"])
        }
    }
}
