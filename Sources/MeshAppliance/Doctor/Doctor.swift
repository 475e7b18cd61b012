public import Foundation

/// `meshbox doctor`: checks an install without changing it: the data dir and its files' modes,
/// whether a meshbox process holds it, the listeners' ports, certificate expiries, the clock, and
/// the nat tools when the proxy role is configured. Each check is one finding; a `fail` is
/// something meshbox cannot run with (or runs unsafely with), a `warn` needs attention soon.
public enum Doctor {
    public struct Finding: Sendable, Equatable {
        public enum Status: String, Sendable, Comparable {
            case ok, warn, fail

            public static func < (lhs: Status, rhs: Status) -> Bool {
                [Status.ok, .warn, .fail].firstIndex(of: lhs)! < [Status.ok, .warn, .fail].firstIndex(of: rhs)!
            }
        }

        public var check: String
        public var status: Status
        public var detail: String

        public init(_ check: String, _ status: Status, _ detail: String) {
            self.check = check
            self.status = status
            self.detail = detail
        }
    }

    /// A certificate expiring within this is a warning.
    public static let expiryWarning: TimeInterval = 30 * 24 * 3600

    public static func run(_ configuration: ApplianceConfiguration, now: Date = Date()) async -> [Finding] {
        let files = dataDirectory(configuration.dataDirectory)
        let holder = lockHolder(configuration.dataDirectory)
        var findings = files
        findings.append(
            holder.map { Finding("running", .ok, "a meshbox process (pid \($0)) holds \(configuration.dataDirectory)") }
                ?? Finding("running", .ok, "no meshbox process holds \(configuration.dataDirectory)")
        )
        findings += await ports(configuration, running: holder != nil)
        findings += certificates(configuration, now: now)
        findings.append(clock())
        findings += natTools(configuration)
        return findings
    }
}
