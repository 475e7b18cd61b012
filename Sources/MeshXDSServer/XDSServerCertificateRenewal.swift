public import Foundation
import Logging
import MeshCore

/// A certificate for the ADS listener, from whoever issues it (meshbox: the mesh CA).
public struct XDSServerCertificate: Sendable {
    /// Leaf first, then the intermediates a client needs.
    public var certificateChainPEM: String
    public var privateKeyPEM: String
    /// For the log.
    public var serialNumber: String
    public var notAfter: Date

    public init(certificateChainPEM: String, privateKeyPEM: String, serialNumber: String, notAfter: Date) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.serialNumber = serialNumber
        self.notAfter = notAfter
    }
}

/// Issues the ADS listener a new certificate (meshbox: from the mesh CA, with a fresh key).
public typealias XDSServerCertificateIssue = @Sendable () async throws -> XDSServerCertificate

/// Keeps the ADS listener's certificate fresh: at two thirds of the time between getting a
/// certificate and its expiry it asks `issue` for a new one and hands it to the TLS handshakes
/// (`XDSCertificateReloader`); a failure is logged and retried after a tenth of the time left
/// (between 1 and 30 seconds) until it succeeds.
struct XDSServerCertificateRenewal: Sendable {
    let issue: XDSServerCertificateIssue
    let reloader: XDSCertificateReloader
    let logger: Logger

    /// When a certificate received at `received` that expires at `notAfter` is renewed.
    static func renewalDate(received: Date, notAfter: Date) -> Date {
        received.addingTimeInterval(max(0, notAfter.timeIntervalSince(received)) * 2 / 3)
    }

    /// Renews until cancelled, starting from the certificate the listener has (expiring at `notAfter`).
    func run(notAfter initial: Date) async {
        var notAfter = initial
        var due = Self.renewalDate(received: Date(), notAfter: notAfter)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(max(0.05, due.timeIntervalSinceNow)))
            } catch {
                return
            }
            do {
                let fresh = try await issue()
                try reloader.update(certificateChainPEM: fresh.certificateChainPEM, privateKeyPEM: fresh.privateKeyPEM)
                notAfter = fresh.notAfter
                due = Self.renewalDate(received: Date(), notAfter: notAfter)
                logger.info(
                    "Renewed the ADS server's certificate; new connections get it",
                    metadata: ["ca.serial": "\(fresh.serialNumber)", "ca.not_after": "\(fresh.notAfter)"])
            } catch {
                let retry = min(30, max(1, notAfter.timeIntervalSinceNow / 10))
                logger.warning(
                    "Could not renew the ADS server's certificate; retrying",
                    metadata: [
                        "error.message": "\(error)", "retry.seconds": "\(Int(retry))", "ca.not_after": "\(notAfter)",
                    ])
                due = Date().addingTimeInterval(retry)
            }
        }
    }
}
