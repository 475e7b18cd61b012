import Crypto

/// Who may read `/metrics` (`console.metricsAuth`).
public enum MetricsAuth: String, Sendable, Hashable, CaseIterable {
    /// The admin token (`Authorization: Bearer`) or a console session, like `/api/`. The default:
    /// some series are labelled with names an outsider should not learn.
    case token
    /// Anyone who reaches the listener; label values that name Secrets and nodes are replaced by
    /// a keyed hash (see `MetricsExposure`).
    case none
}

/// What unauthenticated `/metrics` readers see when `console.metricsAuth` is `none`.
///
/// Series whose labels name things an outsider could use (a Secret's name says which hosts and
/// customers a gateway serves; a node certificate's SPIFFE ID names machines) keep their series but
/// get `h:` and 16 hex digits of HMAC-SHA256 instead of the name, keyed per install (by the admin
/// token), so a reader can tell series apart and alert on them, but not test guesses against them.
enum MetricsExposure {
    /// Metric name → the labels whose values are hashed.
    static let sensitiveLabels: [String: Set<String>] = [
        "meshbox_secret_certificate_expiry_timestamp_seconds": ["name"],
        "meshbox_ca_certificate_expiry_timestamp_seconds": ["name"],
    ]

    /// The exposition text with the sensitive label values hashed; other lines unchanged.
    static func redact(_ text: String, key: String) -> String {
        let hmacKey = SymmetricKey(data: Array(("meshbox metrics labels\0" + key).utf8))
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { redactLine($0, key: hmacKey) }
            .joined(separator: "\n")
    }

    private static func redactLine(_ line: Substring, key: SymmetricKey) -> String {
        guard let brace = line.firstIndex(of: "{"), let labels = sensitiveLabels[String(line[..<brace])] else {
            return String(line)
        }
        // label="value" pairs, values with \\, \" and \n escapes, up to the closing brace.
        var result = String(line[...brace])
        var index = line.index(after: brace)
        while index < line.endIndex {
            guard let equals = line[index...].firstIndex(of: "="), line.index(after: equals) < line.endIndex,
                line[line.index(after: equals)] == "\""
            else { break }
            let name = String(line[index..<equals].drop { $0 == "," || $0 == " " })
            var cursor = line.index(equals, offsetBy: 2)
            var value = ""
            while cursor < line.endIndex, line[cursor] != "\"" {
                if line[cursor] == "\\", line.index(after: cursor) < line.endIndex { cursor = line.index(after: cursor) }
                value.append(line[cursor])
                cursor = line.index(after: cursor)
            }
            guard cursor < line.endIndex else { return String(line) }
            let shown = labels.contains(name) ? hashed(value, key: key) : String(line[line.index(equals, offsetBy: 2)..<cursor])
            result += line[index...equals] + "\"" + shown + "\""
            index = line.index(after: cursor)
        }
        return result + line[index...]
    }

    static func hashed(_ value: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(value.utf8), using: key)
        return "h:" + mac.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
