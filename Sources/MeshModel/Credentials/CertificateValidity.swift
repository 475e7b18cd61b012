public import Foundation

/// A certificate's validity window, and when it is time to act on it: less than 20 % of its
/// lifetime left, or less than 7 days, whichever comes first (cert-manager renews at a third of
/// the lifetime left; a warning at a fifth leaves time for a manual renewal).
public struct CertificateValidity: Sendable, Hashable {
    public var notValidBefore: Date
    public var notValidAfter: Date

    /// Warn when less than this share of the lifetime is left.
    public static let renewalFraction = 0.2
    /// Warn when less than this is left, whatever the lifetime.
    public static let renewalMinimum: TimeInterval = 7 * 86400

    public init(notValidBefore: Date, notValidAfter: Date) {
        self.notValidBefore = notValidBefore
        self.notValidAfter = notValidAfter
    }

    public var lifetime: TimeInterval { notValidAfter.timeIntervalSince(notValidBefore) }

    public func remaining(at now: Date) -> TimeInterval { notValidAfter.timeIntervalSince(now) }

    /// Expired, or within the renewal window.
    public func needsRenewal(at now: Date) -> Bool {
        let left = remaining(at: now)
        return left < Self.renewalMinimum || left < lifetime * Self.renewalFraction
    }
}
