#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A range service VIPs are allocated from (`serviceCIDR`, `serviceCIDRv6`): an IPv4 or IPv6
/// CIDR block, its usable addresses numbered from 0.
///
/// IPv4 ranges of 4 addresses or more leave out the block's first and last address (network
/// and broadcast, as Kubernetes' allocator does); IPv6 ranges leave out the first (the subnet
/// router anycast address). Ranges larger than 2^63 addresses use their first 2^63.
public struct VIPRange: Sendable, Hashable, CustomStringConvertible {
    public enum Family: String, Sendable, Hashable { case ipv4, ipv6 }

    public let family: Family
    public let prefixLength: Int
    /// The block's base address, host bits cleared, as a 128-bit number (IPv4 in the low 32 bits).
    private let baseHigh: UInt64
    private let baseLow: UInt64
    private var base: (high: UInt64, low: UInt64) { (baseHigh, baseLow) }
    /// Offset of usable address 0 from `base`, and how many usable addresses there are.
    private let first: UInt64
    public let count: UInt64

    /// Parses `240.240.0.0/16` or `2001:2::/48`; nil for anything else (an address without a
    /// prefix length included).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
            let length = Int(parts[1]), let bytes = VIPRange.bytes(of: String(parts[0]))
        else { return nil }
        let bits = bytes.count * 8
        guard length <= bits else { return nil }
        family = bytes.count == 4 ? .ipv4 : .ipv6
        prefixLength = length
        let value = VIPRange.number(bytes)
        let hostBits = bits - length
        let mask = VIPRange.mask(hostBits: hostBits)
        baseHigh = value.high & ~mask.high
        baseLow = value.low & ~mask.low
        let size: UInt64 = hostBits >= 63 ? 1 << 63 : 1 << UInt64(hostBits)
        switch family {
        case .ipv4 where size >= 4:
            first = 1
            count = size - 2
        case .ipv4:
            first = 0
            count = size
        case .ipv6:
            first = size >= 2 ? 1 : 0
            count = size >= 2 ? size - 1 : size
        }
    }

    public var description: String {
        VIPRange.text(base, family: family) + "/\(prefixLength)"
    }

    /// The usable address number `index` (`0..<count`), as canonical text.
    public func address(at index: UInt64) -> String {
        let offset = first + index % count
        let (low, carry) = base.low.addingReportingOverflow(offset)
        return VIPRange.text((base.high &+ (carry ? 1 : 0), low), family: family)
    }

    /// Whether `address` (text, any spelling) is one of the range's usable addresses.
    public func contains(_ address: String) -> Bool {
        guard let bytes = VIPRange.bytes(of: address), bytes.count == (family == .ipv4 ? 4 : 16) else { return false }
        let value = VIPRange.number(bytes)
        let mask = VIPRange.mask(hostBits: (bytes.count * 8) - prefixLength)
        guard value.high & ~mask.high == base.high, value.low & ~mask.low == base.low else { return false }
        // Inside the block: usable when its offset from the base lies in first..<first+count.
        let (offset, borrow) = value.low.subtractingReportingOverflow(base.low)
        guard value.high == base.high, !borrow else { return false }
        return offset >= first && offset - first < count
    }

    /// The canonical text of an IPv4 or IPv6 address (`fd00:0::1` → `fd00::1`); nil when
    /// `text` is not one. Two spellings of one address compare equal after this.
    public static func canonical(_ text: String) -> String? {
        guard let bytes = bytes(of: text) else { return nil }
        return self.text(number(bytes), family: bytes.count == 4 ? .ipv4 : .ipv6)
    }

    /// The family of an address, nil when `text` is not one.
    public static func family(of text: String) -> Family? {
        bytes(of: text).map { $0.count == 4 ? .ipv4 : .ipv6 }
    }

    // MARK: - Bits

    private static func bytes(of text: String) -> [UInt8]? {
        if text.contains("%") { return nil }  // a zone names a link, not a service address
        return IPBlock.parseAddress(text)
    }

    private static func number(_ bytes: [UInt8]) -> (high: UInt64, low: UInt64) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if bytes.count == 16 && index < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt64(byte)
            }
        }
        return (high, low)
    }

    private static func mask(hostBits: Int) -> (high: UInt64, low: UInt64) {
        let low: UInt64 = hostBits >= 64 ? .max : (1 << UInt64(hostBits)) - 1
        let high: UInt64 = hostBits <= 64 ? 0 : (hostBits >= 128 ? .max : (1 << UInt64(hostBits - 64)) - 1)
        return (high, low)
    }

    private static func text(_ value: (high: UInt64, low: UInt64), family: Family) -> String {
        if family == .ipv4 {
            return (0..<4).map { String((value.low >> UInt64(24 - $0 * 8)) & 0xFF) }.joined(separator: ".")
        }
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { raw in
            for index in 0..<8 {
                raw[index] = UInt8(truncatingIfNeeded: value.high >> UInt64(56 - index * 8))
                raw[index + 8] = UInt8(truncatingIfNeeded: value.low >> UInt64(56 - index * 8))
            }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
