import Foundation
import MeshAPI
import MeshModel

/// Which stored TLS Secrets to put on the expiry gauge and which to warn about, as a pure
/// function of the config state and the time: `SecretExpiryMonitor` applies its answers to the
/// metrics and the log.
///
/// A Secret due for renewal (`CertificateValidity.needsRenewal`) is reported when first seen so,
/// again when its certificate changes, and then once per `reminderInterval` while it stays due.
struct SecretExpiryTracker: Sendable {
    struct Warning: Sendable, Equatable {
        var key: ResourceKey
        var validity: CertificateValidity
    }

    struct Report: Sendable, Equatable {
        /// Every TLS Secret with a parsable certificate, and its leaf's notAfter.
        var expiries: [ResourceKey: Date] = [:]
        /// Secrets on the gauge before that are gone (deleted, or no certificate any more).
        var removed: [ResourceKey] = []
        var warnings: [Warning] = []
    }

    var reminderInterval: TimeInterval = 86400
    private var tracked: [ResourceKey: Date] = [:]
    /// When each Secret (with that notAfter) was last warned about.
    private var warned: [ResourceKey: (notAfter: Date, at: Date)] = [:]

    mutating func check(_ state: ConfigState, now: Date) -> Report {
        var report = Report()
        for stored in state.resources(of: .secret) {
            guard case .secret(let spec) = stored.resource.spec, let validity = spec.certificateValidity else { continue }
            let key = stored.key
            report.expiries[key] = validity.notValidAfter
            guard validity.needsRenewal(at: now) else {
                warned[key] = nil
                continue
            }
            if let last = warned[key], last.notAfter == validity.notValidAfter,
                now.timeIntervalSince(last.at) < reminderInterval
            {
                continue
            }
            warned[key] = (validity.notValidAfter, now)
            report.warnings.append(Warning(key: key, validity: validity))
        }
        report.removed = tracked.keys.filter { report.expiries[$0] == nil }.sorted()
        for key in report.removed { warned[key] = nil }
        tracked = report.expiries
        return report
    }
}
