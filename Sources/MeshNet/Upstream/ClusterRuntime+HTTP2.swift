import MeshModel
import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP/2 towards the endpoints of a cluster with `http2` (DestinationRule `h2UpgradePolicy:
/// UPGRADE`, or an HTTP2/GRPC service port), or with `useClientProtocol` for requests that came
/// over HTTP/2: sessions per endpoint on this event loop, a stream per request. A session is
/// opened when none has room (the server's SETTINGS_MAX_CONCURRENT_STREAMS), counted against
/// the cluster's connection limit like an HTTP/1.1 connection; it drains after
/// `maxRequestsPerConnection` streams or a GOAWAY, and closes after the upstream idle timeout
/// without streams. Over TLS it offers ALPN `h2`; a server that picks HTTP/1.1 gets HTTP/1.1
/// from then on.
extension ClusterRuntime {
    /// A new stream to `endpoint`: on a ready session with room, queued on one still connecting,
    /// or on a new session. Waits (pending requests) or fails like `acquire` at the connection limit.
    func acquireStream(_ endpoint: UpstreamEndpoint, _ done: @escaping Acquired) {
        if let list = sessions[endpoint.key] {
            if let session = list.first(where: { $0.capacity.canOpenStream }) {
                return openStream(on: session, done)
            }
            if let session = list.first(where: { $0.queued.count < $0.capacity.queueCapacity }) {
                session.queued.append(done)
                return
            }
        }
        if breaker.canOpenConnection() {
            openSession(endpoint, first: done)
        } else if breaker.canQueuePending() {
            breaker.pendingStarted()
            waiters.append(Waiter(endpoint: endpoint, http2: true, done: done))
        } else {
            done(.failure(ProxyFailure.overflow), false)
        }
    }

    /// Stops new streams on the sessions `matching` says: in-flight ones finish, idle ones close now.
    func drainSessions(where matching: (UpstreamHTTP2Session) -> Bool) {
        for (_, list) in sessions {
            for session in list where matching(session) {
                if session.capacity.drain() == .close { retire(session) }
            }
        }
    }

    /// Closes sessions without streams for longer than `timeout`, and drains those that reached
    /// the cluster's `maxConnectionDuration` (no new streams; closed when the last one ends).
    func sweepSessions(now: NIODeadline, timeout: TimeAmount) {
        for (_, list) in sessions {
            for session in list {
                if session.capacity.idleExpired(now: now, timeout: timeout) {
                    retire(session)
                } else if outlived(session.openedAt, now: now), session.capacity.drain() == .close {
                    retire(session)
                }
            }
        }
    }

    // MARK: Streams

    private func openStream(on session: UpstreamHTTP2Session, _ done: @escaping Acquired) {
        session.openStream(done) { [self] in streamClosed(on: session) }
    }

    private func streamClosed(on session: UpstreamHTTP2Session) {
        guard !session.isClosed else { return }
        if session.capacity.streamClosed(now: .now()) == .close {
            return retire(session)
        }
        // The freed stream goes to a request waiting for this endpoint, if any.
        guard !waiters.isEmpty, session.capacity.canOpenStream,
            let index = waiters.firstIndex(where: { $0.http2 && $0.endpoint == session.endpoint })
        else { return }
        let waiter = waiters.remove(at: index)
        breaker.pendingFinished()
        openStream(on: session, waiter.done)
    }

    // MARK: Sessions

    private func openSession(_ endpoint: UpstreamEndpoint, first: @escaping Acquired) {
        openConnections += 1
        breaker.connectionOpened()
        let tls = entry.tls
        let session = UpstreamHTTP2Session(
            endpoint: endpoint,
            maxStreams: entry.cluster.maxRequestsPerConnection.map(Int.init),
            maxConcurrentStreams: entry.cluster.maxConcurrentStreams.map(Int.init),
            tls: tls != nil
        )
        session.queued.append(first)
        sessions[endpoint.key, default: []].append(session)
        let address: SocketAddress
        do {
            // A cluster whose TLS could not be built refuses at once (the snapshot's problems say why).
            if let refusal = tls?.refusal { throw refusal }
            address = try socketAddress(endpoint)
        } catch {
            return sessionGone(session, error: error)
        }
        let connectTimeout = TimeAmount(entry.cluster.connectTimeout)
        // The connect timeout covers TCP, TLS and the server's first SETTINGS.
        session.connectTimer = eventLoop.assumeIsolated().scheduleTask(in: connectTimeout) { [self] in
            session.connectTimer = nil
            guard session.capacity.phase == .connecting else { return }
            let channel = session.channel
            sessionGone(session, error: UpstreamHTTP2Failure.settingsTimeout)
            channel?.close(promise: nil)
        }
        UpstreamDialer(mark: settings.upstreamMark)
            .bootstrap(on: eventLoop, connectTimeout: connectTimeout, keepalive: entry.cluster.tcpKeepalive)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try tls?.addHandlers(to: channel, timeout: connectTimeout, h2: true)
                }
            }
            .connect(to: address)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .failure(let error):
                    sessionGone(session, error: error)
                case .success(let channel):
                    guard !session.isClosed else { return channel.close(promise: nil) }
                    guard tls != nil,
                        let handshake = try? channel.pipeline.syncOperations.handler(type: UpstreamTLSHandshake.self)
                    else {
                        return startSession(session, on: channel)
                    }
                    // Usable once the handshake is accepted; a refused one is a connect failure (UF).
                    handshake.outcome.assumeIsolated().whenComplete { [self] outcome in
                        switch outcome {
                        case .failure(let error):
                            channel.close(promise: nil)
                            sessionGone(session, error: error)
                        case .success:
                            guard !session.isClosed else { return channel.close(promise: nil) }
                            if handshake.negotiatedProtocol == "h2" {
                                startSession(session, on: channel)
                            } else {
                                fallBackToHTTP1(session, on: channel)
                            }
                        }
                    }
                }
            }
    }

    private func startSession(_ session: UpstreamHTTP2Session, on channel: any Channel) {
        let events = HTTP2SessionHandler(
            settings: { [self] limit in settingsReceived(session, maxConcurrentStreams: limit) },
            goAway: { [self] in
                if session.capacity.drain() == .close { retire(session) }
            },
            inactive: { [self] in sessionGone(session, error: UpstreamHTTP2Failure.closed) }
        )
        do {
            try session.start(on: channel, events: events)
        } catch {
            channel.close(promise: nil)
            sessionGone(session, error: error)
        }
    }

    /// The server's SETTINGS: the first makes the session ready for the requests queued on it
    /// (those beyond its stream limit go to another session); a later one may raise the limit.
    private func settingsReceived(_ session: UpstreamHTTP2Session, maxConcurrentStreams: Int?) {
        let wasConnecting = session.capacity.phase == .connecting
        session.capacity.receivedSettings(maxConcurrentStreams: maxConcurrentStreams)
        if wasConnecting {
            session.connectTimer?.cancel()
            session.connectTimer = nil
            if session.capacity.maxConcurrentStreams == 0 { return refused(session) }
            var queued = session.queued
            session.queued.removeAll()
            while let done = queued.popFirst() {
                if session.capacity.canOpenStream {
                    openStream(on: session, done)
                } else {
                    acquireStream(session.endpoint, done)
                }
            }
        }
        while session.capacity.canOpenStream,
            let index = waiters.firstIndex(where: { $0.http2 && $0.endpoint == session.endpoint })
        {
            let waiter = waiters.remove(at: index)
            breaker.pendingFinished()
            openStream(on: session, waiter.done)
        }
    }

    /// A server whose first SETTINGS allow no streams at all: gone like one that sent no SETTINGS
    /// (its queued requests fail as connect failures, retried as the route allows) and closed.
    /// Sent back to `acquireStream`, each request would open another session, refused the same
    /// way: one new connection after another until the connection limit, for a single request.
    private func refused(_ session: UpstreamHTTP2Session) {
        let channel = session.channel
        sessionGone(session, error: UpstreamHTTP2Failure.noStreams)
        channel?.close(promise: nil)
    }

    /// Closes a session that is drained or idle (GOAWAY first); its slot frees when the channel is gone.
    private func retire(_ session: UpstreamHTTP2Session) {
        let connected = session.channel?.isActive ?? false
        session.close()
        if !connected { sessionGone(session, error: UpstreamHTTP2Failure.closed) }
    }

    /// The session's connection is gone or never came up: out of the pool, its slot freed (once),
    /// and requests still queued on it fail as connect failures (retried as the route allows).
    private func sessionGone(_ session: UpstreamHTTP2Session, error: any Error) {
        session.capacity.closed()
        session.connectTimer?.cancel()
        session.connectTimer = nil
        removeSession(session)
        var queued = session.queued
        session.queued.removeAll()
        if session.holdsSlot {
            session.holdsSlot = false
            connectionGone()
        }
        while let done = queued.popFirst() {
            done(.failure(ProxyFailure.connectFailed(error)), false)
        }
    }

    /// TLS agreed on HTTP/1.1 (or no ALPN): the connection serves the first queued request as an
    /// HTTP/1.1 connection, keeping the session's slot, and the endpoint gets HTTP/1.1 from now on.
    private func fallBackToHTTP1(_ session: UpstreamHTTP2Session, on channel: any Channel) {
        session.capacity.closed()
        session.connectTimer?.cancel()
        session.connectTimer = nil
        removeSession(session)
        http1Endpoints.insert(session.endpoint.key)
        var queued = session.queued
        session.queued.removeAll()
        guard let first = queued.popFirst() else {
            session.queued = queued
            channel.close(promise: nil)
            return sessionGone(session, error: UpstreamHTTP2Failure.closed)
        }
        do {
            let pipeline = channel.pipeline.syncOperations
            let handler = UpstreamResponseHandler()
            let codec = HTTP1ClientCodec(sink: handler)
            try pipeline.addHandler(codec)
            try pipeline.addHandler(handler)
            session.holdsSlot = false  // passes to the HTTP/1.1 connection
            first(
                .success(UpstreamConnection(channel: channel, endpoint: session.endpoint, handler: handler, codec: codec)),
                false)
        } catch {
            channel.close(promise: nil)
            queued.prepend(first)
            session.queued = queued
            return sessionGone(session, error: error)
        }
        while let done = queued.popFirst() {
            acquire(session.endpoint, done)
        }
    }

    private func removeSession(_ session: UpstreamHTTP2Session) {
        guard var list = sessions[session.endpoint.key] else { return }
        list.removeAll { $0 === session }
        sessions[session.endpoint.key] = list.isEmpty ? nil : list
    }
}

/// Why an HTTP/2 session to an upstream ended without serving a request.
enum UpstreamHTTP2Failure: Error, CustomStringConvertible {
    /// The server sent no SETTINGS within the connect timeout (not an HTTP/2 server?).
    case settingsTimeout
    /// The connection closed.
    case closed
    /// The server's SETTINGS allow no concurrent streams.
    case noStreams

    var description: String {
        switch self {
        case .settingsTimeout: "the upstream sent no HTTP/2 SETTINGS within the connect timeout"
        case .closed: "the HTTP/2 connection to the upstream closed"
        case .noStreams: "the upstream's HTTP/2 SETTINGS allow no concurrent streams"
        }
    }
}
