#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Syntax rules for the names, hosts and addresses resources contain (Kubernetes and Istio rules).
enum Syntax {
    /// RFC 1123 label: 1-63 lower-case letters, digits and `-`, starting and ending alphanumeric.
    static func isDNSLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), isLowerAlnum(bytes[0]), isLowerAlnum(bytes[bytes.count - 1]) else {
            return false
        }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
    static func isDNSSubdomain(_ text: String) -> Bool {
        text.utf8.count <= 253
            && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                isDNSLabel(String($0))
            }
    }

    /// A host name as Istio accepts it: labels of letters, digits and `-` (any case), optionally
    /// with a leading `*.` wildcard, or `*` alone when `allowStar`.
    static func hostProblem(_ host: String, allowStar: Bool = true, allowWildcard: Bool = true) -> String? {
        if host.isEmpty { return "host must not be empty" }
        if host == "*" { return allowStar ? nil : "host * is not allowed here" }
        var rest = Substring(host)
        if rest.hasPrefix("*") {
            guard allowWildcard else { return "wildcard host \(host) is not allowed here" }
            guard rest.hasPrefix("*.") else {
                return "invalid host \(host): a wildcard must be a whole leading label (*.example.com)"
            }
            rest = rest.dropFirst(2)
        }
        guard host.utf8.count <= 255 else { return "invalid host \(host): longer than 255 characters" }
        let labels = rest.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels where !isHostLabel(label) {
            return "invalid host \(host): \"\(label)\" is not a DNS label"
        }
        return nil
    }

    private static func isHostLabel(_ label: Substring) -> Bool {
        let bytes = Array(label.utf8)
        guard (1...63).contains(bytes.count), isAlnum(bytes[0]), isAlnum(bytes[bytes.count - 1]) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// A Kubernetes label key: `[prefix/]name`, prefix a DNS subdomain, name 1-63 of `[A-Za-z0-9._-]`.
    static func isLabelKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            return isDNSSubdomain(String(parts[0])) && isLabelName(parts[1])
        }
        return isLabelName(Substring(key))
    }

    /// A Kubernetes label value: empty, or 1-63 of `[A-Za-z0-9._-]` starting and ending alphanumeric.
    static func isLabelValue(_ value: String) -> Bool {
        value.isEmpty || isLabelName(Substring(value))
    }

    private static func isLabelName(_ name: Substring) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), isAlnum(bytes[0]), isAlnum(bytes[bytes.count - 1]) else { return false }
        return bytes.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    /// An HTTP header name (an RFC 9110 token).
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { isAlnum($0) || "!#$%&'*+-.^_`|~".utf8.contains($0) }
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                    part == "0" || !part.hasPrefix("0"), let value = Int(part)
                else { return false }
                return value <= 255
            }
    }

    static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":") else { return false }
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }

    static func isIP(_ text: String) -> Bool { isIPv4(text) || isIPv6(text) }

    /// An IP address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`).
    static func isIPOrCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return isIP(text)
        case 2:
            let address = String(parts[0])
            guard let bits = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { return false }
            if isIPv4(address) { return (0...32).contains(bits) }
            if isIPv6(address) { return (0...128).contains(bits) }
            return false
        default:
            return false
        }
    }

    static func isPrime(_ value: UInt64) -> Bool {
        guard value >= 2 else { return false }
        guard value >= 4 else { return true }
        guard value % 2 != 0, value % 3 != 0 else { return false }
        var divisor: UInt64 = 5
        // Not `divisor * divisor <= value`: past 2^32 the square overflows (and traps) before the loop ends.
        while divisor <= value / divisor {
            if value % divisor == 0 || value % (divisor + 2) == 0 { return false }
            divisor += 6
        }
        return true
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
