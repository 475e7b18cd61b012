#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One question to the kernel's netlink sock_diag (`NETLINK_SOCK_DIAG`): the TCP socket with
/// exactly this 4-tuple, as `ss` asks for it. The messages are laid out by hand from
/// linux/netlink.h, linux/sock_diag.h and linux/inet_diag.h (stable kernel ABI):
///
/// - `nlmsghdr` (16 bytes): length, type `SOCK_DIAG_BY_FAMILY` (20), flags `NLM_F_REQUEST` (no
///   `NLM_F_DUMP`: one exact socket), sequence, port id;
/// - `inet_diag_req_v2` (56 bytes): family, protocol, extensions, pad, states, then
///   `inet_diag_sockid` (48 bytes): source port, destination port (network order), source and
///   destination addresses (16 bytes each), interface, cookie (`INET_DIAG_NOCOOKIE`: any socket);
/// - the answer, `inet_diag_msg`: family, state, timer, retransmits, the sockid, then expires,
///   rqueue, wqueue, uid (offset 64) and inode (offset 68); or `NLMSG_ERROR` with `-ENOENT`.
enum SocketDiagnostics {
    enum Answer: Sendable, Hashable {
        case found(SocketOwner)
        case notFound
        /// Netlink sock_diag cannot answer here (the reason, for a log): read /proc instead.
        case unavailable(String)
    }

    static let sockDiagByFamily: UInt16 = 20
    static let netlinkSockDiag: Int32 = 4
    static let nlmsgError: UInt16 = 2
    static let requestFlags: UInt16 = 1  // NLM_F_REQUEST
    static let headerSize = 16
    static let requestSize = headerSize + 56

    static func owner(of connection: TCPConnectionTuple) -> Answer {
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { return .unavailable("netlink socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // The kernel answers at once; a bound keeps a wedged answer from holding the caller.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let request = Self.request(for: connection, sequence: 1)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { return .unavailable("netlink send: \(String(cString: strerror(errno)))") }

        var buffer = [UInt8](repeating: 0, count: 8192)
        let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard received >= 0 else { return .unavailable("netlink receive: \(String(cString: strerror(errno)))") }
        return Self.parse(Array(buffer[0..<received]), for: connection)
    }

    /// The request bytes (`nlmsghdr` + `inet_diag_req_v2`) for the socket whose own end is
    /// `connection.local*` and whose peer is `connection.remote*`.
    static func request(for connection: TCPConnectionTuple, sequence: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(requestSize)
        func append<Value: FixedWidthInteger>(_ value: Value) { withUnsafeBytes(of: value) { bytes += $0 } }
        func address(_ raw: [UInt8]) { bytes += raw + [UInt8](repeating: 0, count: 16 - raw.count) }

        append(UInt32(requestSize))
        append(sockDiagByFamily)
        append(requestFlags)
        append(sequence)
        append(UInt32(0))

        bytes += [UInt8(connection.isIPv6 ? AF_INET6 : AF_INET), UInt8(IPPROTO_TCP), 0, 0]
        append(UInt32.max)  // every state
        append(connection.localPort.bigEndian)
        append(connection.remotePort.bigEndian)
        address(connection.localAddress)
        address(connection.remoteAddress)
        append(UInt32(0))  // any interface
        append(UInt32.max)  // INET_DIAG_NOCOOKIE
        append(UInt32.max)
        return bytes
    }

    /// The owner in the answer; `.notFound` for `ENOENT`, or for a socket that is not this
    /// connection (the kernel's lookup falls back to a listener on the local port).
    static func parse(_ answer: [UInt8], for connection: TCPConnectionTuple) -> Answer {
        guard answer.count >= headerSize + 4 else { return .unavailable("netlink answer of \(answer.count) bytes") }
        func u32(_ offset: Int) -> UInt32 {
            answer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        }
        func u16(_ offset: Int) -> UInt16 {
            answer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt16.self) }
        }
        let type = u16(4)
        if type == nlmsgError {
            let code = Int32(bitPattern: u32(headerSize))
            if code == -ENOENT { return .notFound }
            return .unavailable("sock_diag error: \(String(cString: strerror(0 &- code)))")
        }
        guard type == sockDiagByFamily, answer.count >= headerSize + 72 else {
            return .unavailable("unexpected netlink answer of type \(type), \(answer.count) bytes")
        }
        let message = headerSize
        let remotePort = UInt16(bigEndian: u16(message + 6))
        let remoteCount = connection.remoteAddress.count
        let remote = Array(answer[(message + 24)..<(message + 24 + remoteCount)])
        let mappedRemote = connection.isIPv6 ? nil : Array(answer[(message + 24 + 12)..<(message + 24 + 16)])
        guard remotePort == connection.remotePort,
            remote == connection.remoteAddress || mappedRemote == connection.remoteAddress
        else { return .notFound }
        return .found(SocketOwner(uid: u32(message + 64), inode: UInt64(u32(message + 68))))
    }
}
