#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
public import MeshModel
public import NIOCore
public import NIOPosix

/// Where every upstream connection of the engine is opened (HTTP/1, HTTP/2, TCP relays): the one
/// place that decides how the engine reaches an endpoint.
///
/// Today that is a direct TCP connection whose socket carries the proxy's mark (`SO_MARK`), so
/// the node proxy's capture rules return its own traffic instead of redirecting it back to
/// itself. This is also the seam for the node-to-node half: an endpoint on another node will be
/// reached through an HTTP/2 CONNECT tunnel to that node (Istio ambient's HBONE, port 15008),
/// chosen here by endpoint, with the callers unchanged.
public struct UpstreamDialer: Sendable, Hashable {
    /// `SO_MARK` of upstream sockets; nil leaves them unmarked.
    public var mark: UInt32?

    public init(mark: UInt32? = nil) {
        self.mark = mark
    }

    /// A bootstrap for one connection on `loop`, with the connect timeout, TCP keepalive and mark.
    public func bootstrap(
        on loop: any EventLoop, connectTimeout: TimeAmount, keepalive: Snapshot.Cluster.TCPKeepalive? = nil
    ) -> ClientBootstrap {
        let bootstrap = ClientBootstrap(group: loop).connectTimeout(connectTimeout).keepalive(keepalive)
        guard let mark else { return bootstrap }
        return bootstrap.channelOption(
            .socketOption(NIOBSDSocket.Option(rawValue: SO_MARK)), value: SocketOptionValue(truncatingIfNeeded: mark))
    }
}
