/// Which `Host` values the console answers (DNS rebinding protection).
///
/// A page on `http://evil.example:15000/` whose name the attacker re-points at 127.0.0.1 talks to
/// the console from the browser's point of view as `evil.example`: same-origin rules no longer
/// protect it, but its `Host` header gives it away. Accepted: IP literals (a rebinding needs a
/// name; a browser that reached the console by address sends the address), `localhost` and
/// `*.localhost` (names only this machine resolves), the listen address, and `console.allowedHosts`
/// (exact names or `*.suffix`; `*` turns the check off). The port is not compared. A request
/// without `Host` (HTTP/1.0 tools) passes: browsers always send one.
public struct HostAllowList: Sendable, Hashable {
    /// Lower-cased names, without a trailing dot.
    let names: Set<String>
    /// `*.corp.example` entries as `.corp.example`.
    let suffixes: [String]
    let allowsAny: Bool

    public init(listenHost: String, allowedHosts: [String] = []) {
        var names: Set<String> = ["localhost"]
        var suffixes = [".localhost"]
        var allowsAny = false
        for entry in [listenHost] + allowedHosts {
            let name = Self.normalized(entry)
            if name == "*" {
                allowsAny = true
            } else if name.hasPrefix("*.") {
                suffixes.append(String(name.dropFirst()))
            } else if !name.isEmpty {
                names.insert(name)
            }
        }
        self.names = names
        self.suffixes = suffixes
        self.allowsAny = allowsAny
    }

    /// Whether a request with this `Host` header value (nil: none) is served.
    public func allows(hostHeader: String?) -> Bool {
        guard !allowsAny, let hostHeader, !hostHeader.isEmpty else { return true }
        let host = Self.normalized(Self.stripPort(hostHeader))
        if Self.isIPLiteral(host) || names.contains(host) { return true }
        return suffixes.contains { host.hasSuffix($0) }
    }

    /// `name:port` → `name`, `[::1]:15000` → `::1`; a bare IPv6 address stays whole.
    static func stripPort(_ value: String) -> Substring {
        let text = Substring(value)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return text[text.index(after: text.startIndex)..<close]
        }
        if let colon = text.firstIndex(of: ":"), text.lastIndex(of: ":") == colon {
            return text[..<colon]
        }
        return text
    }

    static func normalized(_ value: some StringProtocol) -> String {
        var text = value.lowercased()
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func isIPLiteral(_ host: String) -> Bool {
        if host.contains(":") {
            return host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && UInt8($0) != nil }
    }
}
