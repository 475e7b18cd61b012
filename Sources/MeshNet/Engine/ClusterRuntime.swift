import MeshModel
import NIOCore

/// One cluster as one event loop sees it: its balancer, outlier detector, circuit breaker and
/// pool of upstream connections. Confined to that loop, so nothing here takes a lock.
///
/// A cluster that speaks HTTP/2 (`Snapshot.Cluster.http2`) keeps HTTP/2 sessions per endpoint
/// instead (ClusterRuntime+HTTP2.swift); both kinds count against the same connection limit.
final class ClusterRuntime {
    typealias Acquired = (Result<UpstreamConnection, any Error>, _ reused: Bool) -> Void

    /// A request waiting for a connection slot (the circuit breaker's pending requests).
    struct Waiter {
        let endpoint: UpstreamEndpoint
        /// Wants a stream of an HTTP/2 session rather than an HTTP/1.1 connection.
        let http2: Bool
        let done: Acquired
    }

    let name: String
    private(set) var entry: CompiledSnapshot.ClusterEntry
    private(set) var balancer: EndpointBalancer
    private(set) var outlier: OutlierDetector?
    private(set) var breaker: CircuitBreaker
    let eventLoop: any EventLoop
    let settings: ProxySettings
    private var idle = IdlePool()
    /// Endpoint addresses, resolved once per loop.
    var addresses: [String: SocketAddress] = [:]
    var waiters = CircularBuffer<Waiter>()
    var openConnections = 0
    /// Requests to this cluster go over HTTP/2 sessions (except WebSocket upgrades).
    private(set) var speaksHTTP2: Bool
    /// Requests go over HTTP/2 sessions when they came over HTTP/2 (`useClientProtocol`).
    private(set) var usesClientProtocol: Bool
    /// HTTP/2 sessions by endpoint key (empty unless `speaksHTTP2`).
    var sessions: [String: [UpstreamHTTP2Session]] = [:]
    /// Endpoints of an HTTP/2 cluster whose TLS server did not select `h2`: HTTP/1.1 to them.
    var http1Endpoints: Set<String> = []

    init(_ entry: CompiledSnapshot.ClusterEntry, eventLoop: any EventLoop, settings: ProxySettings, seed: UInt64) {
        self.name = entry.cluster.name
        self.entry = entry
        self.eventLoop = eventLoop
        self.settings = settings
        self.balancer = EndpointBalancer(policy: entry.cluster.lbPolicy, endpoints: entry.endpoints, seed: seed)
        self.outlier = entry.cluster.outlierDetection.map(OutlierDetector.init)
        self.breaker = CircuitBreaker(entry.cluster.circuitBreakers)
        self.speaksHTTP2 = entry.cluster.http2
        self.usesClientProtocol = entry.cluster.useClientProtocol
    }

    var cluster: Snapshot.Cluster { entry.cluster }

    /// Takes a new snapshot's version of this cluster, keeping what still applies: outlier state
    /// of endpoints that stay, idle connections to them, in-flight counters.
    func update(_ newEntry: CompiledSnapshot.ClusterEntry, seed: UInt64) {
        let old = entry
        entry = newEntry
        if old.endpoints != newEntry.endpoints || old.cluster.lbPolicy != newEntry.cluster.lbPolicy {
            balancer = EndpointBalancer(policy: newEntry.cluster.lbPolicy, endpoints: newEntry.endpoints, seed: seed)
            let keep = Set(newEntry.endpoints.map(\.key))
            outlier?.retain(keys: keep)
            for connection in idle.removeEndpoints(notIn: keep) { closePooled(connection) }
            drainSessions { !keep.contains($0.endpoint.key) }
        }
        if !Self.sameTransport(old, newEntry) || old.cluster.http2 != newEntry.cluster.http2
            || old.cluster.useClientProtocol != newEntry.cluster.useClientProtocol
        {
            // Pooled connections were made with the old TLS settings (or none): new ones use the new.
            // A cluster switching protocol leaves its old connections too (in-flight streams finish).
            for connection in idle.removeAll() { closePooled(connection) }
            drainSessions { _ in true }
            http1Endpoints = []
        }
        speaksHTTP2 = newEntry.cluster.http2
        usesClientProtocol = newEntry.cluster.useClientProtocol
        if old.cluster.outlierDetection != newEntry.cluster.outlierDetection {
            outlier = newEntry.cluster.outlierDetection.map(OutlierDetector.init)
        }
        if old.cluster.circuitBreakers != newEntry.cluster.circuitBreakers {
            breaker.update(newEntry.cluster.circuitBreakers)
        }
    }

    /// An endpoint for a request: healthy, not ejected, not one this request already tried
    /// (unless every endpoint has been tried). Nil when none is left.
    /// An endpoint together with the balancer that chose it, so that the request's end is
    /// counted where its start was, in O(1), even if a snapshot replaced the balancer meanwhile.
    struct Pick {
        let endpoint: UpstreamEndpoint
        let index: Int
        let balancer: EndpointBalancer

        func started() { balancer.requestStarted(index) }
        func finished() { balancer.requestFinished(index) }
    }

    func pickEndpoint(hash: UInt64?, tried: [String], now: NIODeadline) -> Pick? {
        let endpoints = balancer.endpoints
        guard !endpoints.isEmpty else { return nil }
        let panicking = outlier?.panicking(total: endpoints.count, now: now) ?? true
        let outlier = self.outlier
        let avoidTried = !tried.isEmpty && tried.count < endpoints.count
        let index = balancer.pick(hash: hash) { index in
            let key = endpoints[index].key
            if avoidTried && tried.contains(key) { return false }
            if !panicking, let outlier, outlier.isEjected(key, now: now) { return false }
            return true
        }
        let balancer = self.balancer
        return index.map { Pick(endpoint: endpoints[$0], index: $0, balancer: balancer) }
    }

    // MARK: Connections

    /// A connection to `endpoint`: an idle one from the pool, or a new one. Waits when the
    /// cluster's connection limit is reached and pending requests are allowed; fails otherwise.
    /// An HTTP/2 cluster hands out a new stream of a session instead, unless `http1` (a WebSocket
    /// upgrade, which HTTP/2 sessions do not carry); so does a `useClientProtocol` cluster for a
    /// request that came over HTTP/2 (`clientHTTP2`).
    func acquire(
        _ endpoint: UpstreamEndpoint, http1: Bool = false, clientHTTP2: Bool = false, _ done: @escaping Acquired
    ) {
        if usesStreams(endpoint, http1: http1, clientHTTP2: clientHTTP2) {
            return acquireStream(endpoint, done)
        }
        if let connection = takeIdle(endpoint) {
            done(.success(connection), true)
            return
        }
        if breaker.canOpenConnection() {
            connect(endpoint, done)
        } else if breaker.canQueuePending() {
            breaker.pendingStarted()
            waiters.append(Waiter(endpoint: endpoint, http2: false, done: done))
        } else {
            done(.failure(ProxyFailure.overflow), false)
        }
    }

    /// An idle pooled HTTP/1.1 connection to `endpoint`, when the request would get one from
    /// `acquire`: its common case, answered without a callback (whose closure is allocated).
    func idleConnection(
        for endpoint: UpstreamEndpoint, http1: Bool = false, clientHTTP2: Bool = false
    ) -> UpstreamConnection? {
        usesStreams(endpoint, http1: http1, clientHTTP2: clientHTTP2) ? nil : takeIdle(endpoint)
    }

    private func usesStreams(_ endpoint: UpstreamEndpoint, http1: Bool, clientHTTP2: Bool) -> Bool {
        (speaksHTTP2 || (usesClientProtocol && clientHTTP2)) && !http1 && !http1Endpoints.contains(endpoint.key)
    }

    private func takeIdle(_ endpoint: UpstreamEndpoint) -> UpstreamConnection? {
        // Mutated in place (not copied out and back) so that taking a connection allocates nothing.
        while let connection = idle.popLast(for: endpoint) {
            if connection.isClosed { continue }
            if outlived(connection.openedAt, now: .now()) {
                closePooled(connection)
                continue
            }
            return connection
        }
        return nil
    }

    /// Gives a connection back after a clean keep-alive exchange.
    func release(_ connection: UpstreamConnection) {
        // An HTTP/2 stream ends by itself; its session counts it closed then.
        if connection.session != nil { return }
        // Closed by the upstream: a body delimited by the close ends just before the close is
        // reported. Its slot frees now; it must not go back to the pool or to a waiting request.
        if connection.isClosed || !connection.channel.isActive {
            closeCounted(connection)
            return
        }
        connection.setReading(true)
        if let max = entry.cluster.maxRequestsPerConnection, max > 0, connection.requestCount >= max {
            closeCounted(connection)
            return
        }
        if outlived(connection.openedAt, now: .now()) {
            closeCounted(connection)
            return
        }
        if let waiter = waiters.popFirst() {
            breaker.pendingFinished()
            if waiter.endpoint == connection.endpoint && !waiter.http2 {
                waiter.done(.success(connection), true)
            } else {
                // The slot passes from this connection to the waiter's new one.
                connection.close()
                connection.released = true
                openConnections -= 1
                breaker.connectionClosed()
                serve(waiter)
            }
            return
        }
        guard idle.push(connection, limit: settings.maxIdleConnectionsPerEndpoint) else {
            closeCounted(connection)
            return
        }
        connection.idleSince = .now()
        if connection.onIdleClose == nil {
            // Strong: a weak capture would give the runtime a side table (slow retains on every
            // request). `closeIdle` and each close let the closure go.
            connection.onIdleClose = { [self] closed in idleClosed(closed) }
        }
    }


    /// Closes a connection that must not be reused (error, `Connection: close`, abandoned response).
    func discard(_ connection: UpstreamConnection) {
        if connection.session != nil {
            // Resets the stream if it is still open; the session stays.
            connection.close()
            return
        }
        closeCounted(connection)
    }

    /// Hands a connection over to a WebSocket tunnel: it never returns to the pool, and its slot
    /// (connection limit, circuit breaker) frees when the tunnel closes.
    func detachForTunnel(_ connection: UpstreamConnection) {
        connection.isClosed = true
        connection.released = true
        connection.onIdleClose = nil
        connection.channel.closeFuture.assumeIsolated().whenComplete { [self] _ in connectionGone() }
    }

    /// Whether a connection made at `openedAt` has reached the cluster's `maxConnectionDuration`.
    /// (The clock is read only when the cluster has the setting.)
    func outlived(_ openedAt: NIODeadline, now: @autoclosure () -> NIODeadline) -> Bool {
        guard let max = entry.cluster.maxConnectionDuration else { return false }
        return now() - openedAt >= TimeAmount(max)
    }

    /// Closes idle connections older than the idle timeout or the cluster's
    /// `maxConnectionDuration`; sweeps the outlier detector.
    func sweep(now: NIODeadline) {
        let timeout = entry.cluster.idleTimeout.map(TimeAmount.init) ?? settings.upstreamIdleTimeout
        let expired = idle.removeExpired {
            $0.isClosed || now - $0.idleSince >= timeout || outlived($0.openedAt, now: now)
        }
        for connection in expired { closePooled(connection) }
        if !sessions.isEmpty { sweepSessions(now: now, timeout: timeout) }
        outlier?.sweep(now: now)
    }

    /// Closes every idle connection (the cluster left the snapshot, or shutdown).
    func closeIdle() {
        for connection in idle.removeAll() { closePooled(connection) }
        drainSessions { _ in true }
        while let waiter = waiters.popFirst() {
            breaker.pendingFinished()
            waiter.done(.failure(ProxyFailure.overflow), false)
        }
    }

    /// Closes a connection taken out of the idle pool: its idle-close callback goes first.
    private func closePooled(_ connection: UpstreamConnection) {
        connection.onIdleClose = nil
        closeCounted(connection)
    }

    private func idleClosed(_ connection: UpstreamConnection) {
        guard !connection.released else { return }
        connection.released = true
        idle.remove(connection)
        connectionGone()
    }

    /// Closes `connection` and frees its slot, once: also when the upstream closed it first
    /// (mid-exchange, the handler marks it closed before the exchange discards it).
    private func closeCounted(_ connection: UpstreamConnection) {
        guard !connection.released else { return }
        connection.released = true
        connection.close()
        connectionGone()
    }

    /// A connection slot freed up: a waiting request may open one.
    func connectionGone() {
        openConnections -= 1
        breaker.connectionClosed()
        if let waiter = waiters.popFirst() {
            breaker.pendingFinished()
            serve(waiter)
        }
    }

    /// Gives a waiting request the connection slot that just freed up.
    private func serve(_ waiter: Waiter) {
        if waiter.http2 && !http1Endpoints.contains(waiter.endpoint.key) {
            acquireStream(waiter.endpoint, waiter.done)
        } else {
            connect(waiter.endpoint, waiter.done)
        }
    }
}

/// Why the proxy could not get a response from upstream.
enum ProxyFailure: Error {
    case connectFailed(any Error)
    /// The circuit breaker refused: too many connections and pending requests.
    case overflow
}
