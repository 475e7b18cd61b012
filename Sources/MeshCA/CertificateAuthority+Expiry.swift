import Foundation
import Logging
public import MeshAPI
import X509

/// A CA certificate close to its end, as `checkExpiry` reports it.
public struct ExpiringCACertificate: Sendable, Hashable {
    public var summary: CACertificateSummary
    /// Share of the lifetime left, 0...1.
    public var remainingFraction: Double
}

extension CertificateAuthority {
    /// A CA certificate with less than this share of its lifetime left is reported.
    public static let expiryWarningFraction = 0.2

    /// Refreshes the expiry gauges of roots and intermediates, drops expired retiring roots from
    /// the bundle, and warns about CA certificates with less than 20 % of their lifetime left.
    @discardableResult
    public func checkExpiry() async -> [ExpiringCACertificate] {
        expiryChecks += 1
        let moment = now()
        let bundle = await bundleRoots()
        typealias Authority = (kind: String, certificate: Certificate, state: CACertificateSummary.State)
        var authorities: [Authority] = []
        if let plugged {
            for root in plugged.roots { authorities.append((kind: "root", certificate: root, state: .external)) }
            for certificate in plugged.chain {
                authorities.append((kind: "intermediate", certificate: certificate, state: .active))
            }
        } else {
            for root in roots where bundle.contains(root.certificate) {
                let state: CACertificateSummary.State = root.row.status == .active ? .active : .retiring
                authorities.append((kind: "root", certificate: root.certificate, state: state))
            }
        }
        var expiring: [ExpiringCACertificate] = []
        for authority in authorities {
            let certificate = authority.certificate
            metrics.recordExpiry(kind: authority.kind, name: certificate.serialHex, notAfter: certificate.notValidAfter)
            let left = certificate.remainingLifetimeFraction(at: moment)
            guard left < Self.expiryWarningFraction else { continue }
            expiring.append(ExpiringCACertificate(summary: certificate.summary(state: authority.state), remainingFraction: left))
            logger.warning(
                "CA certificate is close to expiry",
                metadata: [
                    "ca.kind": "\(authority.kind)", "ca.subject": "\(certificate.subject)",
                    "ca.serial": "\(certificate.serialHex)", "ca.not_after": "\(certificate.notValidAfter)",
                    "ca.remaining_percent": "\(Int(left * 100))",
                ])
        }
        return expiring
    }
}
