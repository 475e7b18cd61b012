import MeshModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// IPv4 or IPv6: each has its own nat table, tools (`iptables-*` / `ip6tables-*`) and VIP range.
public enum IPFamily: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case ipv4
    case ipv6

    public var description: String { rawValue }

    /// Host prefix length as `iptables-save` writes it for one address (`/32`, `/128`).
    var addressBits: Int { self == .ipv4 ? 32 : 128 }
}

/// An address or CIDR block in the canonical text `iptables-save` prints (`inet_ntop`, the network
/// address masked), so generated rules compare equal to the saved ones.
struct CanonicalAddress: Sendable, Hashable {
    let family: IPFamily
    let bytes: [UInt8]
    let prefixLength: Int

    /// Parses `240.240.0.7`, `240.240.0.0/16`, `fd00::1` or `fd00::/112`; nil for anything else.
    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let (family, bytes) = Self.parse(String(parts[0])) else { return nil }
        var length = family.addressBits
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                let parsed = Int(parts[1]), parsed <= family.addressBits
            else { return nil }
            length = parsed
        }
        self.family = family
        self.prefixLength = length
        self.bytes = Self.masked(bytes, length)
    }

    /// Whether `other` (an address of the same family) lies inside this block.
    func contains(_ other: CanonicalAddress) -> Bool {
        guard other.family == family, other.prefixLength >= prefixLength else { return false }
        for index in bytes.indices {
            let bits = max(0, min(8, prefixLength - index * 8))
            if bits == 0 { break }
            if other.bytes[index] & UInt8(truncatingIfNeeded: 0xFF << (8 - bits)) != bytes[index] { return false }
        }
        return true
    }

    /// `240.240.0.0/16`, `fd00::1/128`.
    var cidr: String { "\(addressText)/\(prefixLength)" }

    var addressText: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(domain, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// MeshModel's address parser (`IPBlock`'s), without its IPv4-mapped reading: the family is
    /// the one written, as iptables-save prints it.
    private static func parse(_ text: String) -> (IPFamily, [UInt8])? {
        guard let bytes = IPBlock.addressBytes(text) else { return nil }
        return (bytes.count == 4 ? .ipv4 : .ipv6, bytes)
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var result = bytes
        for index in result.indices {
            let bits = max(0, min(8, length - index * 8))
            result[index] &= UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
        return result
    }
}
