public import Logging
public import MeshAPI
public import MeshModel
public import NIOCore
import NIOHTTP1
import NIOPosix

/// The data-plane engine shared by the gateway and the node proxy: binds the snapshot's
/// listeners and proxies their traffic on a group of event loops.
///
/// `apply` installs a snapshot make-before-break: every loop switches to the new clusters and
/// routes in one step, then new listeners are bound and removed ones stop accepting. Requests in
/// flight finish on the snapshot they started with; connections of a removed listener close
/// after their current response.
public actor DataPlane {
    /// What `apply` did.
    public struct ApplyReport: Sendable {
        public var version: UInt64
        /// Listener name → the address it is bound to.
        public var bound: [String: String]
        /// Listener name → why it could not be bound (the others still serve).
        public var failed: [String: String]
        /// Problems in the snapshot the engine cannot honour (e.g. a regex that does not compile).
        public var problems: [String]
    }

    private struct BoundListener {
        let listener: Snapshot.Listener
        let channel: any Channel
    }

    nonisolated let group: any EventLoopGroup
    nonisolated let settings: ProxySettings
    let states: LoopStates
    private let logger: Logger
    private var listeners: [String: BoundListener] = [:]
    private let tls: ServerTLSContexts
    private let upstreamTLS: UpstreamTLSContexts
    private var current: CompiledSnapshot = .empty
    /// The downstream connection budget of all listeners (`ProxySettings.maxConnections`).
    nonisolated let admission: ConnectionAdmission
    /// The roles whose listeners this engine serves; the others in a snapshot are ignored.
    public nonisolated let roles: Set<DataPlaneRole>

    /// - Parameters:
    ///   - group: the event loops that carry traffic; one `LoopState` each.
    ///   - accessLog: where JSON access log lines go; nil for none.
    ///   - reporter: the `reporter` label of request metrics (`gateway`, `proxy`).
    ///   - roles: whose listeners to serve: the gateway's, the node proxy's, or both.
    public init(
        group: any EventLoopGroup, settings: ProxySettings = ProxySettings(), accessLog: AccessLogTarget? = nil,
        secrets: any SecretResolver = FileSecretResolver(), reporter: String = "gateway",
        roles: Set<DataPlaneRole> = [.gateway], logger: Logger
    ) {
        self.group = group
        self.roles = roles
        self.tls = ServerTLSContexts(resolver: secrets)
        self.upstreamTLS = UpstreamTLSContexts(resolver: secrets, logger: logger)
        self.settings = settings
        self.logger = logger
        self.admission = ConnectionAdmission(limit: settings.maxConnections, logger: logger)
        self.states = LoopStates(group: group) { loop in
            LoopState(
                eventLoop: loop, settings: settings, logger: logger,
                accessLog: accessLog.map(AccessLogWriter.init), metrics: ProxyMetrics(reporter: reporter))
        }
    }

    /// The last minute of finished requests, merged across event loops (the console's live metrics).
    public func trafficStats() async -> TrafficWindow { await TrafficStats.collect(from: states) }

    /// The version of the snapshot being served.
    public var version: UInt64 { current.version }

    /// Downstream connections open now, all listeners together.
    public nonisolated var openConnections: Int { admission.openConnections }

    /// Where each listener is bound (`127.0.0.1:8080`).
    public var boundAddresses: [String: SocketAddress] {
        listeners.compactMapValues { $0.channel.localAddress }
    }

    @discardableResult
    public func apply(_ snapshot: Snapshot) async -> ApplyReport {
        let authentications = await RequestAuthenticationTable.prepare(snapshot, reusing: current.requestAuthentications)
        let compiled = CompiledSnapshot(
            snapshot, tls: tls, upstreamTLS: upstreamTLS, requestAuthentications: authentications)
        tls.sweep()
        upstreamTLS.sweep()
        // Make: every loop gets the new clusters and routes before any new listener accepts.
        for box in states.all {
            try? await box.eventLoop.submit { box.value.install(compiled) }.get()
        }
        current = compiled
        var report = ApplyReport(version: snapshot.version, bound: [:], failed: [:], problems: compiled.problems)
        // Break: listeners that went away (or changed address or protocol) stop accepting.
        for (name, bound) in listeners {
            if let next = compiled.listeners[name], binds(next), next.address == bound.listener.address,
                next.port == bound.listener.port, next.protocol == bound.listener.protocol
            {
                listeners[name] = BoundListener(listener: next, channel: bound.channel)
                continue
            }
            listeners[name] = nil
            try? await bound.channel.close()
            logger.info("Listener closed", metadata: ["listener.name": "\(name)"])
        }
        // A listener without a port of its own (a service VIP's) only takes the connections an
        // original-destination listener hands it (`CompiledSnapshot.capturedListeners`).
        for listener in snapshot.listeners where listeners[listener.name] == nil && binds(listener) {
            do {
                let channel = try await bind(listener)
                listeners[listener.name] = BoundListener(listener: listener, channel: channel)
                logger.info(
                    "Listener bound",
                    metadata: ["listener.name": "\(listener.name)", "listener.protocol": "\(listener.protocol.rawValue)"])
            } catch {
                report.failed[listener.name] = "\(error)"
                logger.error(
                    "Listener could not be bound",
                    metadata: ["listener.name": "\(listener.name)", "error.message": "\(error)"])
            }
        }
        for (name, bound) in listeners {
            report.bound[name] = bound.channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        }
        for problem in compiled.problems {
            logger.warning("Snapshot problem", metadata: ["problem": "\(problem)"])
        }
        return report
    }

    private func binds(_ listener: Snapshot.Listener) -> Bool {
        listener.bindToPort && roles.contains(listener.role)
    }

    /// Stops accepting, lets requests in flight finish for up to `drainTimeout`, closes the rest.
    public func shutdown() async {
        for (_, bound) in listeners { try? await bound.channel.close() }
        listeners = [:]
        let drained = CompiledSnapshot.empty
        for box in states.all {
            try? await box.eventLoop.submit { box.value.install(drained) }.get()
        }
        let deadline = ContinuousClock.now + .nanoseconds(settings.drainTimeout.nanoseconds)
        while ContinuousClock.now < deadline {
            var open = 0
            for box in states.all {
                open += (try? await box.eventLoop.submit { box.value.connections.values.reduce(0, +) }.get()) ?? 0
            }
            if open == 0 { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        for box in states.all {
            try? await box.eventLoop.submit { box.value.shutdown() }.get()
        }
    }

    private func bind(_ listener: Snapshot.Listener) async throws -> any Channel {
        let states = self.states
        let name = listener.name
        let admission = self.admission
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Refusals and accept errors are seen first; on EMFILE and the like NIO's
                    // back-off pauses accepting for a moment instead of retrying in a busy loop.
                    try channel.pipeline.syncOperations.addHandlers(
                        AcceptGuard(admission: admission, listenerName: name, states: states),
                        AcceptBackoffHandler(
                            shouldForwardIOErrorCaught: false, backoffProvider: ConnectionAdmission.acceptBackoff))
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                let state = states.state(for: channel.eventLoop)
                guard let listener = state.config.listeners[name] else {
                    channel.close(promise: nil)
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                guard listener.useOriginalDestination else {
                    return channel.eventLoop.makeCompletedFuture {
                        try Self.serve(channel, on: listener, state: state, states: states)
                    }
                }
                return CapturedConnection.handOff(channel, state: state, states: states)
            }
        // Bound from an event loop: a socket belongs to the network namespace of the thread that
        // makes it, and the engine's namespace is its loops' (a test runs the engine in its own).
        let host = listener.address
        let port = Int(listener.port)
        // An address literal is bound as it is: resolving `::` fails on a host whose only IPv6
        // address is loopback (getaddrinfo's AI_ADDRCONFIG).
        let literal = try? SocketAddress(ipAddress: host, port: port)
        return try await group.next().flatSubmit {
            literal.map { bootstrap.bind(to: $0) } ?? bootstrap.bind(host: host, port: port)
        }.get()
    }

    /// Runs `listener`'s pipeline on a new connection, counted as one of the listener's.
    static func serve(_ channel: any Channel, on listener: Snapshot.Listener, state: LoopState, states: LoopStates) throws {
        let name = listener.name
        state.connections[name, default: 0] += 1
        // Counted down when the connection closes, whatever its protocol (HTTP, TLS,
        // passthrough, TCP) or however it ends (refused SNI, relay, keep-alive close).
        let loop = channel.eventLoop
        channel.closeFuture.whenComplete { _ in states.state(for: loop).connections[name, default: 1] -= 1 }
        try ListenerPipeline.configure(channel, listener: listener, state: state, states: states)
    }
}
