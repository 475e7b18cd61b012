public import NIOCore

/// A TCP connection's 4-tuple as its opener's socket sees it: its own (local) address and port,
/// and the address and port it connected to (remote). Addresses are their network-order bytes,
/// 4 for IPv4 and 16 for IPv6; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, an IPv4 peer of a
/// dual-stack socket) is taken as the IPv4 address, which is how the kernel keys the connection.
public struct TCPConnectionTuple: Sendable, Hashable, CustomStringConvertible {
    public let isIPv6: Bool
    public let localAddress: [UInt8]
    public let localPort: UInt16
    public let remoteAddress: [UInt8]
    public let remotePort: UInt16

    /// Nil unless both are IP addresses of one family (after IPv4-mapped addresses are unmapped).
    public init?(local: SocketAddress, remote: SocketAddress) {
        guard let (localBytes, localPort) = Self.bytesAndPort(local),
            let (remoteBytes, remotePort) = Self.bytesAndPort(remote), localBytes.count == remoteBytes.count
        else { return nil }
        self.init(isIPv6: localBytes.count == 16, local: localBytes, localPort, remote: remoteBytes, remotePort)
    }

    init(isIPv6: Bool, local: [UInt8], _ localPort: UInt16, remote: [UInt8], _ remotePort: UInt16) {
        self.isIPv6 = isIPv6
        self.localAddress = local
        self.localPort = localPort
        self.remoteAddress = remote
        self.remotePort = remotePort
    }

    /// The same connection as an IPv6 socket would key it: IPv4 addresses mapped (`::ffff:a.b.c.d`).
    var mappedToIPv6: TCPConnectionTuple {
        guard !isIPv6 else { return self }
        let prefix: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff]
        return TCPConnectionTuple(
            isIPv6: true,
            local: prefix + localAddress,
            localPort,
            remote: prefix + remoteAddress,
            remotePort
        )
    }

    public var description: String {
        "\(Self.text(localAddress)):\(localPort) -> \(Self.text(remoteAddress)):\(remotePort)"
    }

    static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: bytes.count, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }
        return "[" + groups.joined(separator: ":") + "]"
    }

    /// The address bytes and port of an IP socket address, by the fixed layouts of `sockaddr_in`
    /// (port at 2, address at 4) and `sockaddr_in6` (port at 2, address at 8).
    private static func bytesAndPort(_ address: SocketAddress) -> ([UInt8], UInt16)? {
        func read<Raw>(_ raw: Raw, offset: Int, count: Int) -> ([UInt8], UInt16) {
            withUnsafeBytes(of: raw) { bytes in
                (Array(bytes[offset..<offset + count]), UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
            }
        }
        switch address {
        case .v4(let v4):
            return read(v4.address, offset: 4, count: 4)
        case .v6(let v6):
            let (bytes, port) = read(v6.address, offset: 8, count: 16)
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
            return (mapped ? Array(bytes[12...]) : bytes, port)
        case .unixDomainSocket:
            return nil
        }
    }
}
