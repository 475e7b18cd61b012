/// How VIP traffic is captured: which destinations, where it goes, and which packets are exempt.
public struct CaptureConfiguration: Sendable, Hashable {
    /// IPv4 VIP range; only traffic to it jumps into meshbox's chains.
    public var ipv4ServiceRange: String
    /// IPv6 VIP range; nil leaves ip6tables alone (IPv6 VIPs are then reported, not captured).
    public var ipv6ServiceRange: String?
    /// The proxy's outbound port: where REDIRECT sends captured TCP connections.
    public var redirectPort: Int
    /// The `SO_MARK` the proxy sets on its own upstream sockets; such packets are never captured.
    public var mark: UInt32
    public var markMask: UInt32

    public init(
        ipv4ServiceRange: String = "240.240.0.0/16",
        ipv6ServiceRange: String? = nil,
        redirectPort: Int = 15001,
        mark: UInt32 = 0x4d42,
        markMask: UInt32 = 0xffff_ffff
    ) {
        self.ipv4ServiceRange = ipv4ServiceRange
        self.ipv6ServiceRange = ipv6ServiceRange
        self.redirectPort = redirectPort
        self.mark = mark
        self.markMask = markMask
    }

    public func serviceRange(_ family: IPFamily) -> String? {
        family == .ipv4 ? ipv4ServiceRange : ipv6ServiceRange
    }
}
