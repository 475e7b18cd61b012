import Foundation
import MeshAPI
import Metrics

/// The ca role's metrics.
///
/// - `meshbox_ca_certificate_expiry_timestamp_seconds{kind, name}` (gauge): notAfter of roots,
///   intermediates (name: serial) and node certificates (name: SPIFFE ID). Workload leaves get
///   no gauge, which keeps the label set bounded by the number of nodes.
/// - `meshbox_ca_certificates_issued_total{requester}` (counter), requester `admin` or `node`.
struct CAMetrics: Sendable {
    static let expiryLabel = "meshbox_ca_certificate_expiry_timestamp_seconds"
    static let issuedLabel = "meshbox_ca_certificates_issued_total"

    private let issuedByAdmin = Counter(label: issuedLabel, dimensions: [("requester", "admin")])
    private let issuedByNode = Counter(label: issuedLabel, dimensions: [("requester", "node")])

    func recordIssued(requester: CertificateRequester) {
        switch requester {
        case .admin: issuedByAdmin.increment()
        case .node: issuedByNode.increment()
        }
    }

    func recordExpiry(kind: String, name: String, notAfter: Date) {
        Gauge(label: Self.expiryLabel, dimensions: [("kind", kind), ("name", name)])
            .record(notAfter.timeIntervalSince1970)
    }
}
