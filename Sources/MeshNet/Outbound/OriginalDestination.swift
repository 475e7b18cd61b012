#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
public import NIOCore

/// Where a captured connection was going before an iptables (or nftables) redirect sent it to
/// the proxy: a service VIP and port. Hashable by the address bytes and port, so the listener of
/// a captured connection is one dictionary lookup however many VIPs there are.
public struct OriginalDestination: Hashable, Sendable, CustomStringConvertible {
    /// The address bytes as they lie in memory: an IPv6 address in both halves, an IPv4 address
    /// in the low half's last four bytes after 0xffff (an IPv4-mapped IPv6 address).
    private let high: UInt64
    private let low: UInt64
    public let port: UInt16
    public let isIPv6: Bool

    /// The destination of a listener's address and port; nil when `address` is not an IP address.
    public init?(address: String, port: UInt32) {
        guard port <= UInt32(UInt16.max), let parsed = try? SocketAddress(ipAddress: address, port: Int(port)) else {
            return nil
        }
        self.init(parsed)
    }

    /// The destination a socket address names; nil for a Unix socket.
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4): self.init(sockaddr: v4.address)
        case .v6(let v6): self.init(sockaddr: v6.address)
        case .unixDomainSocket: return nil
        }
    }

    /// From a `sockaddr_in` or `sockaddr_in6`, by their fixed layouts (family, port in network
    /// byte order, then the IPv4 address, or flow info and the IPv6 address).
    init<Address>(sockaddr: Address) {
        (high, low, port, isIPv6) = withUnsafeBytes(of: sockaddr) { bytes in
            let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            if MemoryLayout<Address>.size >= 24, bytes.load(as: sa_family_t.self) == sa_family_t(AF_INET6) {
                return (
                    bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                    bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), port, true
                )
            }
            let ipv4 = bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            return (0, UInt64(ipv4) << 32 | UInt64(UInt32(0xffff).bigEndian), port, false)
        }
    }

    /// `::ffff:a.b.c.d`: an IPv4 peer of an IPv6 socket.
    var isIPv4Mapped: Bool { isIPv6 && high == 0 && low & 0xffff_ffff == UInt64(UInt32(0xffff).bigEndian) }

    public var description: String {
        var high = self.high
        var low = self.low
        let bytes = withUnsafeBytes(of: &high) { Array($0) } + withUnsafeBytes(of: &low) { Array($0) }
        if !isIPv6 { return bytes[12...].map(String.init).joined(separator: ".") + ":\(port)" }
        let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return "[" + groups.joined(separator: ":") + "]:\(port)"
    }

    /// `SO_ORIGINAL_DST` (linux/netfilter_ipv4.h) and `IP6T_SO_ORIGINAL_DST`
    /// (linux/netfilter_ipv6/ip6_tables.h): both 80, at `SOL_IP` and `SOL_IPV6`.
    static let socketOption: SocketOptionName = 80

    /// The original destination of an accepted connection, read from the kernel's connection
    /// tracking; fails for a connection that was not redirected (no NAT entry: `ENOENT`).
    /// Completes at once on the channel's event loop.
    public static func of(_ channel: any Channel) -> EventLoopFuture<OriginalDestination> {
        guard let provider = channel as? any SocketOptionProvider, let local = channel.localAddress else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        // An IPv4 connection on a dual-stack (`::`) listener has an IPv4-mapped local address;
        // its NAT entry is IPv4's.
        if case .v6 = local, OriginalDestination(local)?.isIPv4Mapped != true {
            let raw: EventLoopFuture<sockaddr_in6> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(IPPROTO_IPV6), name: socketOption)
            return raw.map { OriginalDestination(sockaddr: $0) }
        }
        let raw: EventLoopFuture<sockaddr_in> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_IP), name: socketOption)
        return raw.map { OriginalDestination(sockaddr: $0) }
    }
}
