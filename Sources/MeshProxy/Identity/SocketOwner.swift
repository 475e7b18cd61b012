/// Who holds the local socket of a TCP connection: the socket's owner uid (the effective uid of
/// the process that created it) and its inode (what `/proc/<pid>/fd/*` links name, `socket:[inode]`).
public struct SocketOwner: Sendable, Hashable, CustomStringConvertible {
    public var uid: UInt32
    public var inode: UInt64

    public init(uid: UInt32, inode: UInt64) {
        self.uid = uid
        self.inode = inode
    }

    public var description: String { "uid \(uid) (socket inode \(inode))" }

    /// The owner of the local socket with exactly this 4-tuple; nil when there is none, or when
    /// no process holds it any more (a closed connection in TIME_WAIT or an orphan still closing,
    /// both with inode 0).
    ///
    /// Asks the kernel by netlink sock_diag for the one socket (`SOCK_DIAG_BY_FAMILY` without a
    /// dump, as `ss` does per socket); where netlink sock_diag is unavailable (no `tcp_diag`, a
    /// seccomp filter), reads `/proc/net/tcp` and `/proc/net/tcp6`. Blocking: one netlink round
    /// trip; the fallback reads every socket of the network namespace.
    public static func find(_ connection: TCPConnectionTuple) -> SocketOwner? {
        switch SocketDiagnostics.owner(of: connection) {
        case .found(let owner): return owner.inode == 0 ? nil : owner
        case .notFound: return nil
        case .unavailable: return ProcNetTCP.owner(of: connection)
        }
    }
}
