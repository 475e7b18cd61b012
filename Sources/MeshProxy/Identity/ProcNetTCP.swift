#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The fallback of `SocketOwner.find`: `/proc/net/tcp` and `/proc/net/tcp6` of this network
/// namespace, one line per socket:
///
/// ```
///   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
///    0: 0100007F:1F90 0100007F:A2C4 01 00000000:00000000 00:00000000 00000000     0        0 35021 …
/// ```
///
/// An address is printed as 32-bit words in hex (one for IPv4, four for IPv6), each the word
/// as it lies in memory read in host byte order, so its bytes in host order are the address's
/// network-order bytes; ports are plain hex numbers.
enum ProcNetTCP {
    static let ipv4Path = "/proc/net/tcp"
    static let ipv6Path = "/proc/net/tcp6"

    /// Readings of the tables before a connection counts as absent. The kernel prints the tables a
    /// page per read and resumes by position, so a socket that opens or closes meanwhile can shift
    /// a live one out of a reading; another reading finds it.
    static let readings = 3

    /// The whole file, read to its end. Not `String(contentsOfFile:)`: a /proc file reports size 0,
    /// and Foundation (swift-corelibs, Swift 6.3) returns only its first page.
    static func contents(of path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes += chunk[0..<count]
        }
    }

    /// The owner from the table that holds the connection: IPv4 in `tcp`, and an IPv4 connection
    /// of a dual-stack socket in `tcp6` under its IPv4-mapped addresses.
    static func owner(of connection: TCPConnectionTuple) -> SocketOwner? {
        for _ in 0..<readings {
            if !connection.isIPv6, let text = contents(of: ipv4Path),
                let owner = owner(of: connection, in: text)
            {
                return owner.inode == 0 ? nil : owner
            }
            if let text = contents(of: ipv6Path),
                let owner = owner(of: connection.mappedToIPv6, in: text)
            {
                return owner.inode == 0 ? nil : owner
            }
        }
        return nil
    }

    /// The owner on the line of `table` whose local and remote address and port are the
    /// connection's; nil when no line is.
    static func owner(of connection: TCPConnectionTuple, in table: String) -> SocketOwner? {
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10,
                let local = endpoint(fields[1]), local.port == connection.localPort,
                local.address == connection.localAddress,
                let remote = endpoint(fields[2]), remote.port == connection.remotePort,
                remote.address == connection.remoteAddress,
                let uid = UInt32(fields[7]), let inode = UInt64(fields[9])
            else { continue }
            return SocketOwner(uid: uid, inode: inode)
        }
        return nil
    }

    /// `0100007F:1F90` → ([127, 0, 0, 1], 8080).
    static func endpoint(_ field: Substring) -> (address: [UInt8], port: UInt16)? {
        let parts = field.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1], radix: 16) else { return nil }
        let hex = parts[0]
        guard hex.count == 8 || hex.count == 32 else { return nil }
        var address: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 8)
            guard let word = UInt32(hex[index..<next], radix: 16) else { return nil }
            withUnsafeBytes(of: word) { address += $0 }
            index = next
        }
        return (address, port)
    }
}
