#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MeshModel
import NIOCore
import NIOPosix

extension ClientBootstrap {
    /// SO_KEEPALIVE and the kernel's probe settings (`TCP_KEEPIDLE`, `TCP_KEEPINTVL`,
    /// `TCP_KEEPCNT`) on connections to a cluster's endpoints; the bootstrap as it is for nil.
    func keepalive(_ keepalive: Snapshot.Cluster.TCPKeepalive?) -> ClientBootstrap {
        guard let keepalive else { return self }
        var bootstrap = channelOption(.socketOption(.so_keepalive), value: 1)
        func option(_ name: Int32, _ value: Int64?) {
            guard let value else { return }
            bootstrap = bootstrap.channelOption(
                .tcpOption(NIOBSDSocket.Option(rawValue: name)), value: SocketOptionValue(clamping: value))
        }
        option(TCP_KEEPIDLE, keepalive.time?.components.seconds)
        option(TCP_KEEPINTVL, keepalive.interval?.components.seconds)
        option(TCP_KEEPCNT, keepalive.probes.map(Int64.init))
        return bootstrap
    }
}
