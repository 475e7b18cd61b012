import Foundation
import MeshTesting
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// A real TCP listener on a loopback address and the connections it accepts, through plain
/// socket calls: the identity tests need descriptors (for their inodes) and blocking accepts.
final class LoopbackListener {
    struct Failure: Error, CustomStringConvertible { var description: String }

    let fd: Int32
    let address: SocketAddress

    init(_ host: String) throws {
        let probe = try SocketAddress(ipAddress: host, port: 0)
        let family = probe.protocol.rawValue
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        do {
            try probe.withSockAddr { pointer, size in
                guard bind(fd, pointer, socklen_t(size)) == 0, listen(fd, 8) == 0 else {
                    throw Failure(description: "bind/listen \(host): \(String(cString: strerror(errno)))")
                }
            }
            address = try Self.name(of: fd, peer: false)
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Accepts one connection within 10 s: its descriptor and the opener's address.
    func accept() throws -> (fd: Int32, peer: SocketAddress) {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 10_000) == 1 else { throw Failure(description: "no connection within 10 s") }
        let accepted = Glibc.accept(fd, nil, nil)
        guard accepted >= 0 else { throw Failure(description: "accept: \(String(cString: strerror(errno)))") }
        return (accepted, try Self.name(of: accepted, peer: true))
    }

    /// A connection from this process to the listener: the connecting descriptor and its own address.
    func connectFromHere() throws -> (fd: Int32, local: SocketAddress) {
        let client = socket(address.protocol.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard client >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        try address.withSockAddr { pointer, size in
            guard Glibc.connect(client, pointer, socklen_t(size)) == 0 else {
                close(client)
                throw Failure(description: "connect: \(String(cString: strerror(errno)))")
            }
        }
        return (client, try Self.name(of: client, peer: false))
    }

    static func name(of fd: Int32, peer: Bool) throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length)
            }
        }
        guard status == 0 else { throw Failure(description: "getsockname: \(String(cString: strerror(errno)))") }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let named = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo(
                    $0,
                    length,
                    &host,
                    socklen_t(host.count),
                    &service,
                    socklen_t(service.count),
                    NI_NUMERICHOST | NI_NUMERICSERV
                )
            }
        }
        guard named == 0, let port = Int(String(cString: service)) else {
            throw Failure(description: "getnameinfo failed")
        }
        return try SocketAddress(ipAddress: String(cString: host), port: port)
    }

    /// The inode of this process's socket descriptor (what sock_diag and /proc/net/tcp report).
    static func inode(of fd: Int32) -> UInt64 { inode(pid: getpid(), fd: fd) ?? 0 }

    /// The inode of a process's socket descriptor, from its `/proc/<pid>/fd/<n>` link (`socket:[inode]`).
    static func inode(pid: Int32, fd: Int32) -> UInt64? {
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
            link.hasPrefix("socket:[")
        else { return nil }
        return UInt64(link.dropFirst("socket:[".count).dropLast())
    }
}

/// Runs `body` with a connection to `listener` that a child opened as uid/gid 65534 (`nobody`,
/// through setpriv) with bash's /dev/tcp on its descriptor 3: the child, the accepted descriptor
/// and the child's address. The child holds the connection until it is killed after `body`.
func withConnectionFromNobody<T>(
    to listener: LoopbackListener,
    _ body: (ChildProcess, Int32, SocketAddress) async throws -> T
) async throws -> T {
    let child = try ChildProcess(
        executable: "/usr/bin/setpriv",
        arguments: [
            "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/bash", "-c",
            "exec 3<>/dev/tcp/\(listener.address.ipAddress ?? "")/\(listener.address.port ?? 0) && read -t 60 -u 3 _",
        ]
    )
    defer {
        child.signal(SIGKILL)
        child.waitUntilExit()
    }
    let (accepted, peer) = try listener.accept()
    defer { close(accepted) }
    return try await body(child, accepted, peer)
}
