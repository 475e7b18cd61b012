import MeshCore
import MeshRegex

/// Checks shared by several kinds.
extension IssueCollector {
    static let nameRule = "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
    static let labelRule = "lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit"

    /// A duration as Istio writes it, at least 1ms (Istio's `ValidateDuration`).
    mutating func checkDuration(_ text: String?, at path: String, allowZero: Bool = false) {
        guard let text else { return }
        let duration: Duration
        switch DurationText.read(text) {
        case .success(let parsed): duration = parsed
        case .failure(let problem):
            error(path, "invalid duration \"\(text)\", \(problem)")
            return
        }
        if allowZero && duration == .zero { return }
        if duration < .milliseconds(1) { error(path, "duration must be at least 1ms") }
    }

    mutating func checkPort(_ number: UInt32?, at path: String) {
        guard let number else { return }
        if !(1...65535).contains(number) { error(path, "port number \(number) must be in the range 1..65535") }
    }

    mutating func checkPercent(_ percent: Percent?, at path: String) {
        guard let value = percent?.value else { return }
        if !(0...100).contains(value) {
            error(path + ".value", "percentage \(format(value)) must be in the range 0..100")
        }
    }

    /// A regex as the data plane runs it: RE2 syntax, within RE2's memory and program-size caps.
    /// What RE2 refuses (backreferences, lookaround, a program too large) is refused here with
    /// RE2's reason, rather than applied as a route that never matches.
    mutating func checkRegex(_ pattern: String, at path: String) {
        if pattern.isEmpty {
            error(path, "regex must not be empty")
            return
        }
        if case .failure(let failure) = RE2Regex.compile(pattern) {
            error(path, "invalid regex \"\(pattern)\": \(failure.message)")
        }
    }

    mutating func checkStringMatch(_ match: StringMatch?, at path: String) {
        switch match {
        case .regex(let pattern)?: checkRegex(pattern, at: path + ".regex")
        case .prefix(let prefix)? where prefix.isEmpty: error(path + ".prefix", "prefix must not be empty")
        default: break
        }
    }

    mutating func checkLabels(_ labels: [String: String], at path: String) {
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            if !Syntax.isLabelKey(key) {
                error(
                    path,
                    "invalid label key \"\(key)\": an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'"
                )
            }
            if !Syntax.isLabelValue(value) {
                error(
                    path + "." + key,
                    "invalid label value \"\(value)\": at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
                )
            }
        }
    }

    /// `exportTo`: meshbox makes every VirtualService, DestinationRule and ServiceEntry visible to
    /// every namespace, so only `*` (Istio's default) is accepted; `.` and namespace names would
    /// narrow visibility, which meshbox does not do, so they are refused rather than ignored.
    mutating func checkExportTo(_ exportTo: [String], at path: String) {
        var starSeen = false
        for (index, namespace) in exportTo.enumerated() {
            if namespace == "*" {
                if starSeen { error("\(path)[\(index)]", "duplicate entry \"*\"") }
                starSeen = true
            } else {
                error("\(path)[\(index)]", "\"\(namespace)\" is not supported: meshbox exports to every namespace, only \"*\" is accepted")
            }
        }
    }

    mutating func checkIPOrCIDR(_ values: [String], at path: String) {
        for (index, value) in values.enumerated() where !Syntax.isIPOrCIDR(value) {
            error("\(path)[\(index)]", "\"\(value)\" is not an IP address or CIDR block")
        }
    }

    mutating func checkNotEmpty(_ values: [String], at path: String, what: String) {
        for (index, value) in values.enumerated() where value.isEmpty {
            error("\(path)[\(index)]", "\(what) must not be empty")
        }
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
