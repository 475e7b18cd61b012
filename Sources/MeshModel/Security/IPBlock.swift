#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address, or a CIDR block of them, as `ipBlocks` and `when` IP conditions write it.
///
/// A single address is a block of full length (`/32` or `/128`). An IPv4 address never falls in an
/// IPv6 block and the other way round, as in Envoy's CIDR matcher.
public struct IPBlock: Sendable, Hashable, CustomStringConvertible {
    /// Network-order bytes of the base address: 4 for IPv4, 16 for IPv6.
    public let bytes: [UInt8]
    public let prefixLength: Int

    /// Parses `10.0.0.0/8`, `10.1.2.3`, `2001:db8::/32` or `::1`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPBlock.parseAddress(String(parts[0])) else { return nil }
        let maximum = address.count * 8
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                let length = Int(parts[1]), (0...maximum).contains(length)
            else { return nil }
            prefixLength = length
        } else {
            prefixLength = maximum
        }
        bytes = address
    }

    /// Whether `address` (text) lies in the block; false when it does not parse.
    public func contains(_ address: String) -> Bool {
        guard let other = IPBlock.parseAddress(address) else { return false }
        return contains(bytes: other)
    }

    func contains(bytes other: [UInt8]) -> Bool {
        guard other.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in bytes.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != other[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String {
        let text: String
        if bytes.count == 4 {
            text = bytes.map(String.init).joined(separator: ".")
        } else {
            text = stride(from: 0, to: 16, by: 2).map {
                String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
            }
            .joined(separator: ":")
        }
        return "\(text)/\(prefixLength)"
    }

    /// Network-order bytes of an IPv4 (dotted quad) or IPv6 address; an IPv4-mapped IPv6
    /// address (`::ffff:10.0.0.1`) is read as its IPv4 address, as peers often appear that way.
    static func parseAddress(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return addressBytes(text) }
        // A zone (`fe80::1%eth0`) says which link, not which address.
        let withoutZone = String(text.split(separator: "%", maxSplits: 1).first ?? "")
        guard let bytes = addressBytes(withoutZone) else { return nil }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Array(bytes[12..<16])
        }
        return bytes
    }

    /// Network-order bytes of an address exactly as written: 4 for a dotted quad, 16 for IPv6
    /// text (an IPv4-mapped one stays IPv6); nil for anything else, a zone included. The one
    /// address parser of the package: `parseAddress` above and MeshProxy's canonical capture
    /// addresses both read addresses with it.
    package static func addressBytes(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if !text.contains(":") {
            var address = in_addr()
            guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
            return withUnsafeBytes(of: &address) { Array($0) }
        }
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
