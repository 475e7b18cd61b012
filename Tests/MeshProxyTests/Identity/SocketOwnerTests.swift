import Foundation
import MeshTesting
import NIOCore
import Testing

@testable import MeshProxy

#if canImport(Glibc)
    import Glibc
#endif

@Suite("SocketOwner: the uid and socket behind a local TCP connection, from the kernel")
struct SocketOwnerTests {
    static let loopbacks = ["127.0.0.1", "::1"]

    @Test("a connection a child opened as nobody is owned by uid 65534 and that child's socket", arguments: loopbacks)
    func childAsNobody(host: String) async throws {
        let listener = try LoopbackListener(host)
        try await withConnectionFromNobody(to: listener) { child, accepted, peer in
            // bash moves the connected socket to descriptor 3 just after the connect.
            var childInode: UInt64?
            try await eventually("the child's descriptor 3") {
                childInode = LoopbackListener.inode(pid: child.processIdentifier, fd: 3)
                return childInode != nil
            }

            let opener = try #require(TCPConnectionTuple(local: peer, remote: listener.address))
            let owner = try #require(SocketOwner.find(opener))
            #expect(owner == SocketOwner(uid: 65534, inode: try #require(childInode)))
            // Both sources agree: netlink sock_diag and the /proc fallback.
            #expect(SocketDiagnostics.owner(of: opener) == .found(owner))
            #expect(
                ProcNetTCP.owner(of: opener) == owner,
                "\(opener): \(ProcNetTCP.contents(of: ProcNetTCP.ipv4Path) ?? "unreadable")")

            // The accepting end of the same connection is this process's.
            let acceptor = try #require(TCPConnectionTuple(local: listener.address, remote: peer))
            #expect(
                SocketOwner.find(acceptor) == SocketOwner(uid: getuid(), inode: LoopbackListener.inode(of: accepted))
            )
        }
    }

    @Test("a connection that closed has no owner, nor one that never existed beside a listener", arguments: loopbacks)
    func closedConnection(host: String) throws {
        let listener = try LoopbackListener(host)
        let (client, local) = try listener.connectFromHere()
        let (accepted, _) = try listener.accept()
        let tuple = try #require(TCPConnectionTuple(local: local, remote: listener.address))
        #expect(SocketOwner.find(tuple) == SocketOwner(uid: getuid(), inode: LoopbackListener.inode(of: client)))

        // Closed by both ends: the kernel keeps the opener's end in TIME_WAIT, held by no process.
        close(client)
        close(accepted)
        #expect(SocketOwner.find(tuple) == nil)
        #expect(ProcNetTCP.owner(of: tuple) == nil)

        // The kernel's lookup falls back to the listener on the local port; that is not this connection.
        let listenerPort = try #require(listener.address.port)
        let never = try #require(
            TCPConnectionTuple(
                local: try SocketAddress(ipAddress: host, port: listenerPort),
                remote: try SocketAddress(ipAddress: host, port: 9)
            )
        )
        #expect(SocketDiagnostics.owner(of: never) == .notFound)
        #expect(SocketOwner.find(never) == nil)
        #expect(ProcNetTCP.owner(of: never) == nil)
    }

    @Test("an IPv4 connection of a dual-stack socket is found under its IPv4 addresses, by netlink and /proc")
    func dualStack() throws {
        let listener = try LoopbackListener("127.0.0.1")
        let client = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(client >= 0)
        defer { close(client) }
        let mapped = try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: try #require(listener.address.port))
        try mapped.withSockAddr { pointer, size in
            #expect(Glibc.connect(client, pointer, socklen_t(size)) == 0)
        }
        let (accepted, _) = try listener.accept()
        defer { close(accepted) }
        let local = try LoopbackListener.name(of: client, peer: false)
        let tuple = try #require(TCPConnectionTuple(local: local, remote: mapped))
        #expect(!tuple.isIPv6)
        let expected = SocketOwner(uid: getuid(), inode: LoopbackListener.inode(of: client))
        #expect(SocketDiagnostics.owner(of: tuple) == .found(expected))
        #expect(ProcNetTCP.owner(of: tuple) == expected)
    }

    @Test("/proc/net/tcp lines are read as the kernel prints them")
    func procLines() throws {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0
               1: 0100007F:A2C4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 65534        0 2222 1 0000000000000000 20 4 30 10 -1
            """
        let tuple = TCPConnectionTuple(isIPv6: false, local: [127, 0, 0, 1], 0xA2C4, remote: [127, 0, 0, 1], 8080)
        #expect(ProcNetTCP.owner(of: tuple, in: table) == SocketOwner(uid: 65534, inode: 2222))
        let v6 = ProcNetTCP.endpoint("00000000000000000000000001000000:0050")
        #expect(v6?.address == Array(repeating: 0, count: 15) + [1])
        #expect(v6?.port == 80)
    }
}
