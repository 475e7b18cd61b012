import MeshModel
import NIOCore
import NIOHTTP1
import NIOPosix

/// One cluster as one event loop sees it: its balancer, outlier detector, circuit breaker and
/// pool of upstream connections. Confined to that loop, so nothing here takes a lock.
final class ClusterRuntime {
    typealias Acquired = (Result<UpstreamConnection, any Error>, _ reused: Bool) -> Void

    let name: String
    private(set) var entry: CompiledSnapshot.ClusterEntry
    private(set) var balancer: EndpointBalancer
    private(set) var outlier: OutlierDetector?
    private(set) var breaker: CircuitBreaker
    private let eventLoop: any EventLoop
    private let settings: ProxySettings
    private var idle: [String: [UpstreamConnection]] = [:]
    private var addresses: [String: SocketAddress] = [:]
    private var waiters = CircularBuffer<(UpstreamEndpoint, Acquired)>()
    private(set) var openConnections = 0

    init(_ entry: CompiledSnapshot.ClusterEntry, eventLoop: any EventLoop, settings: ProxySettings, seed: UInt64) {
        self.name = entry.cluster.name
        self.entry = entry
        self.eventLoop = eventLoop
        self.settings = settings
        self.balancer = EndpointBalancer(policy: entry.cluster.lbPolicy, endpoints: entry.endpoints, seed: seed)
        self.outlier = entry.cluster.outlierDetection.map(OutlierDetector.init)
        self.breaker = CircuitBreaker(entry.cluster.circuitBreakers)
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
            for (key, connections) in idle where !keep.contains(key) {
                idle[key] = nil
                for connection in connections { connection.onIdleClose = nil; closeCounted(connection) }
            }
        }
        if !Self.sameTransport(old, newEntry) {
            // Pooled connections were made with the old TLS settings (or none): new ones use the new.
            for (_, connections) in idle {
                for connection in connections { connection.onIdleClose = nil; closeCounted(connection) }
            }
            idle = [:]
        }
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
    func acquire(_ endpoint: UpstreamEndpoint, _ done: @escaping Acquired) {
        // Mutated in place (not copied out and back) so that taking a connection allocates nothing.
        while let connection = idle[endpoint.key]?.popLast() {
            if connection.isClosed { continue }
            done(.success(connection), true)
            return
        }
        if breaker.canOpenConnection() {
            connect(endpoint, done)
        } else if breaker.canQueuePending() {
            breaker.pendingStarted()
            waiters.append((endpoint, done))
        } else {
            done(.failure(ProxyFailure.overflow), false)
        }
    }

    /// Gives a connection back after a clean keep-alive exchange.
    func release(_ connection: UpstreamConnection) {
        if connection.isClosed { return }
        connection.setReading(true)
        if let max = entry.cluster.maxRequestsPerConnection, max > 0, connection.requestCount >= max {
            closeCounted(connection)
            return
        }
        if let (endpoint, done) = waiters.popFirst() {
            breaker.pendingFinished()
            if endpoint == connection.endpoint {
                done(.success(connection), true)
            } else {
                // The slot passes from this connection to the waiter's new one.
                connection.close()
                openConnections -= 1
                breaker.connectionClosed()
                connect(endpoint, done)
            }
            return
        }
        guard (idle[connection.endpoint.key]?.count ?? 0) < settings.maxIdleConnectionsPerEndpoint else {
            closeCounted(connection)
            return
        }
        connection.idleSince = .now()
        if connection.onIdleClose == nil {
            connection.onIdleClose = { [weak self] closed in self?.idleClosed(closed) }
        }
        idle[connection.endpoint.key, default: []].append(connection)
    }

    /// Closes a connection that must not be reused (error, `Connection: close`, abandoned response).
    func discard(_ connection: UpstreamConnection) {
        closeCounted(connection)
    }

    /// Hands a connection over to a WebSocket tunnel: it never returns to the pool, and its slot
    /// (connection limit, circuit breaker) frees when the tunnel closes.
    func detachForTunnel(_ connection: UpstreamConnection) {
        connection.isClosed = true
        connection.onIdleClose = nil
        connection.channel.closeFuture.assumeIsolated().whenComplete { [self] _ in connectionGone() }
    }

    /// Closes idle connections older than the idle timeout; sweeps the outlier detector.
    func sweep(now: NIODeadline) {
        let timeout = entry.cluster.idleTimeout.map(TimeAmount.init) ?? settings.upstreamIdleTimeout
        for (key, stack) in idle {
            let keep = stack.filter { !$0.isClosed && now - $0.idleSince < timeout }
            for connection in stack where !keep.contains(where: { $0 === connection }) {
                connection.onIdleClose = nil
                closeCounted(connection)
            }
            idle[key] = keep.isEmpty ? nil : keep
        }
        outlier?.sweep(now: now)
    }

    /// Closes every idle connection (the cluster left the snapshot, or shutdown).
    func closeIdle() {
        for (_, stack) in idle {
            for connection in stack { connection.onIdleClose = nil; closeCounted(connection) }
        }
        idle = [:]
        while let (_, done) = waiters.popFirst() {
            breaker.pendingFinished()
            done(.failure(ProxyFailure.overflow), false)
        }
    }

    private func idleClosed(_ connection: UpstreamConnection) {
        if var stack = idle[connection.endpoint.key] {
            stack.removeAll { $0 === connection }
            idle[connection.endpoint.key] = stack.isEmpty ? nil : stack
        }
        connectionGone()
    }

    private func closeCounted(_ connection: UpstreamConnection) {
        guard !connection.isClosed else { return }
        connection.close()
        connectionGone()
    }

    /// A connection slot freed up: a waiting request may open one.
    private func connectionGone() {
        openConnections -= 1
        breaker.connectionClosed()
        if let (endpoint, done) = waiters.popFirst() {
            breaker.pendingFinished()
            connect(endpoint, done)
        }
    }

    private func connect(_ endpoint: UpstreamEndpoint, _ done: @escaping Acquired) {
        openConnections += 1
        breaker.connectionOpened()
        let tls = entry.tls
        let address: SocketAddress
        do {
            // A cluster whose TLS could not be built refuses at once (the snapshot's problems say why).
            if let refusal = tls?.refusal { throw refusal }
            address = try socketAddress(endpoint)
        } catch {
            openConnections -= 1
            breaker.connectionClosed()
            done(.failure(ProxyFailure.connectFailed(error)), false)
            return
        }
        let connectTimeout = TimeAmount(entry.cluster.connectTimeout)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // TLS first: the HTTP codec reads and writes plain text through it.
                    try tls?.addHandlers(to: channel, timeout: connectTimeout)
                    // Forward: bytes an upstream sends right after a WebSocket 101 belong to the tunnel.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes)
                    try channel.pipeline.syncOperations.addHandler(UpstreamResponseHandler())
                }
            }
            .connect(to: address)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    do {
                        let pipeline = channel.pipeline.syncOperations
                        let handler = try pipeline.handler(type: UpstreamResponseHandler.self)
                        let connection = UpstreamConnection(channel: channel, endpoint: endpoint, handler: handler)
                        guard tls != nil, let handshake = try? pipeline.handler(type: UpstreamTLSHandshake.self) else {
                            done(.success(connection), false)
                            return
                        }
                        // Usable once the handshake is accepted; a refused one is a connect failure (UF).
                        handshake.outcome.assumeIsolated().whenComplete { [self] outcome in
                            switch outcome {
                            case .success:
                                done(.success(connection), false)
                            case .failure(let error):
                                channel.close(promise: nil)
                                connectionGone()
                                done(.failure(ProxyFailure.connectFailed(error)), false)
                            }
                        }
                    } catch {
                        channel.close(promise: nil)
                        connectionGone()
                        done(.failure(ProxyFailure.connectFailed(error)), false)
                    }
                case .failure(let error):
                    connectionGone()
                    done(.failure(ProxyFailure.connectFailed(error)), false)
                }
            }
    }

    /// Whether connections pooled under `old` may serve `new`: the same TLS settings, or plain text both.
    private static func sameTransport(
        _ old: CompiledSnapshot.ClusterEntry, _ new: CompiledSnapshot.ClusterEntry
    ) -> Bool {
        guard let tls = new.tls else { return old.tls == nil }
        return tls.sameTransport(as: old.tls)
    }

    private func socketAddress(_ endpoint: UpstreamEndpoint) throws -> SocketAddress {
        if let cached = addresses[endpoint.key] { return cached }
        let address: SocketAddress
        if let ip = try? SocketAddress(ipAddress: endpoint.address, port: endpoint.port) {
            address = ip
        } else {
            // A DNS name (ServiceEntry with resolution DNS): resolved once per loop and cached.
            address = try SocketAddress.makeAddressResolvingHost(endpoint.address, port: endpoint.port)
        }
        addresses[endpoint.key] = address
        return address
    }
}

/// Why the proxy could not get a response from upstream.
enum ProxyFailure: Error {
    case connectFailed(any Error)
    /// The circuit breaker refused: too many connections and pending requests.
    case overflow
}
