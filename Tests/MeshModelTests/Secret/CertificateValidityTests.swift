import Foundation
import MeshModel
import Testing

/// When a certificate is due for renewal: under 20 % of its lifetime or under 7 days left.
@Suite("Certificate validity and renewal")
struct CertificateValidityTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static let day: TimeInterval = 86400

    @Test(
        "due at under a fifth of the lifetime or under a week, and once expired",
        arguments: [
            // (lifetime in days, days elapsed, due)
            (90.0, 70.0, false),  // 20 days left of 90: 22 %
            (90.0, 73.0, true),  // 17 days left: 18.9 %
            (365.0, 290.0, false),  // 75 days: 20.5 %
            (365.0, 293.0, true),
            (10.0, 2.0, false),  // 8 days left, 80 %
            (10.0, 3.5, true),  // 6.5 days: under a week
            (1.0, 0.5, true),  // a day-long certificate is always under a week
            (30.0, 31.0, true),  // expired
        ])
    func renewal(lifetime: Double, elapsed: Double, due: Bool) {
        let validity = CertificateValidity(
            notValidBefore: Self.start, notValidAfter: Self.start.addingTimeInterval(lifetime * Self.day))
        #expect(validity.needsRenewal(at: Self.start.addingTimeInterval(elapsed * Self.day)) == due)
    }
}
