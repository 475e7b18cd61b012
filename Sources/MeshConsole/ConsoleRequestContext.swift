import Hummingbird
import NIOCore

/// The request context of every console route: Hummingbird's basic context plus the client's
/// address, which login throttling and its log lines need (`peer.address`).
struct ConsoleRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection's peer; nil for a transport without one.
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text (`127.0.0.1`, `::1`), or `unknown`: the key login
    /// throttling counts failures under.
    var peerAddress: String {
        remoteAddress?.ipAddress ?? "unknown"
    }
}
