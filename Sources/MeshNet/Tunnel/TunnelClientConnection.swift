import NIOCore
import NIOHTTP2

/// One tunnel connection of a `TunnelPool`: mutual TLS and HTTP/2 to a destination node for one
/// source identity, carrying up to `limit` streams at once. Confined to the pool's event loop.
final class TunnelClientConnection {
    enum Phase {
        case connecting
        case ready(NIOHTTP2Handler.StreamMultiplexer)
        /// Closing or closed: GOAWAY either way, an idle close, a failed connect.
        case closed(TunnelError)
    }

    let key: TunnelPool.Key
    private(set) var phase = Phase.connecting
    /// Streams opened or being opened on it.
    private(set) var reserved = 0
    /// The pool's cap, lowered by the server's SETTINGS_MAX_CONCURRENT_STREAMS.
    private var limit: Int
    /// Opens waiting for the connection to come up.
    private var waiting: [(Result<NIOHTTP2Handler.StreamMultiplexer, TunnelError>) -> Void] = []
    var channel: (any Channel)?
    var multiplexer: NIOHTTP2Handler.StreamMultiplexer?
    var idle: TunnelIdleTimeout?
    var handshakeGuard: TunnelHandshakeGuard?

    init(key: TunnelPool.Key, limit: Int) {
        self.key = key
        self.limit = limit
    }

    var isOpen: Bool {
        if case .closed = phase { return false }
        return true
    }

    var hasCapacity: Bool { isOpen && reserved < limit }

    /// Takes a stream slot; the connection is not idle while any is taken.
    func reserve() {
        reserved += 1
        idle?.opened()
    }

    /// Gives a slot back (the stream closed, or never opened).
    func release() {
        reserved -= 1
        idle?.closed()
    }

    /// The server's SETTINGS: `maxConcurrentStreams` lowers the cap (never raises it above the pool's).
    func serverAllows(maxConcurrentStreams: Int?) {
        if let maxConcurrentStreams { limit = min(limit, maxConcurrentStreams) }
    }

    /// Runs `body` once the connection is up (at once if it is), or with the reason it will not be.
    func whenReady(_ body: @escaping (Result<NIOHTTP2Handler.StreamMultiplexer, TunnelError>) -> Void) {
        switch phase {
        case .connecting: waiting.append(body)
        case .ready(let multiplexer): body(.success(multiplexer))
        case .closed(let error): body(.failure(error))
        }
    }

    func ready(_ multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        guard case .connecting = phase else { return }
        phase = .ready(multiplexer)
        flush(.success(multiplexer))
    }

    /// No new stream goes to this connection any more; waiting opens fail with `error`.
    func close(_ error: TunnelError) {
        if case .closed = phase { return }
        phase = .closed(error)
        flush(.failure(error))
    }

    private func flush(_ result: Result<NIOHTTP2Handler.StreamMultiplexer, TunnelError>) {
        let waiting = self.waiting
        self.waiting = []
        for body in waiting { body(result) }
    }
}
