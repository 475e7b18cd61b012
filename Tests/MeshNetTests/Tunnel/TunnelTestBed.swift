import Logging
import MeshNet
import MeshTesting
import NIOCore
import NIOHPACK
import NIOPosix
import NIOSSL
import Testing

/// A tunnel server on 127.0.0.1 with real mutual TLS (a `TestPKI` CA of `mesh.local`), an echo
/// backend behind it, and, on the client side, a listener whose accepted connections a
/// `TunnelPool` relays through the tunnel, as the node proxy will relay captured connections.
/// One event loop, so the pool, the listener and the streams share it.
final class TunnelTestBed: Sendable {
    static let trustDomain = "mesh.local"
    static let clientID = "spiffe://mesh.local/ns/shop/sa/productpage"
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let backends = RelayBed()
    let authority: TestPKI.Authority
    let recorder = LogRecorder()
    /// Every request the server's decision callback saw.
    let requests: AsyncStream<TunnelRequest>
    /// Every peer the server refused.
    let rejections: AsyncStream<PeerRejection>
    /// Why a relay of the client-side listener failed.
    let relayFailures: AsyncStream<any Error>
    private let requestSink: AsyncStream<TunnelRequest>.Continuation
    private let rejectionSink: AsyncStream<PeerRejection>.Continuation
    private let failureSink: AsyncStream<any Error>.Continuation

    init() throws {
        authority = try TestPKI.Authority(trustDomain: Self.trustDomain)
        (requests, requestSink) = AsyncStream.makeStream()
        (rejections, rejectionSink) = AsyncStream.makeStream()
        (relayFailures, failureSink) = AsyncStream.makeStream()
    }

    static func with<T>(_ body: (TunnelTestBed) async throws -> T) async throws -> T {
        let bed = try TunnelTestBed()
        do {
            let result = try await body(bed)
            try await bed.group.shutdownGracefully()
            try await bed.backends.group.shutdownGracefully()
            return result
        } catch {
            try? await bed.group.shutdownGracefully()
            try? await bed.backends.group.shutdownGracefully()
            throw error
        }
    }

    var loop: any EventLoop { group.next() }

    /// Credentials for `spiffeID` issued by `issuer` (the bed's CA by default), trusting `trusted`
    /// (the bed's CA by default) as well as the issuer.
    func credentials(
        _ spiffeID: String, issuer: TestPKI.Authority? = nil, logger: Logger? = nil
    ) throws -> TunnelCredentials {
        let issuer = issuer ?? authority
        let leaf = try issuer.issue(spiffeID: spiffeID)
        var bundle = try authority.certificatePEM
        if issuer.certificate != authority.certificate { bundle += "\n" + (try issuer.certificatePEM) }
        let identity = TLSIdentity(
            certificateChainPEM: try leaf.chainPEM, privateKeyPEM: leaf.privateKeyPEM, trustBundlePEM: bundle)
        let sink = rejectionSink
        return try TunnelCredentials(
            identity: identity, trustDomain: Self.trustDomain, logger: logger ?? recorder.logger,
            onRejection: { sink.yield($0) })
    }

    /// Starts the tunnel server (node B); its decisions are recorded in `requests`.
    func startServer(
        configuration: TunnelServer.Configuration = TunnelServer.Configuration(),
        decide: @escaping TunnelServer.Decide = { _ in .allow }
    ) async throws -> (TunnelServer, any Channel) {
        let sink = requestSink
        let server = TunnelServer(
            configuration: configuration,
            credentials: try credentials("spiffe://mesh.local/ns/meshbox-system/sa/node-b"),
            logger: recorder.logger
        ) { request in
            sink.yield(request)
            return decide(request)
        }
        let channel = try await server.bind(host: "127.0.0.1", port: 0, group: group)
        return (server, channel)
    }

    /// The backend: echoes bytes; on the client's half-close answers `END` and closes (the TCP
    /// relay tests' backend, on its bed's own event loops).
    func startEcho() async throws -> any Channel {
        try await backends.startEchoUpstream()
    }

    /// Starts a server (with `configuration`) and an echo backend and opens one stream to the
    /// backend through `pool`.
    func streamToEcho(
        through pool: TunnelPool, configuration: TunnelServer.Configuration = TunnelServer.Configuration()
    ) async throws -> TunnelStream {
        let (_, listener) = try await startServer(configuration: configuration)
        let echo = try await startEcho()
        return try await pool.open(
            target: try #require(echo.localAddress), node: try #require(listener.localAddress),
            credentials: try credentials(Self.clientID)
        ).get()
    }

    func pool(_ configure: (inout TunnelPool.Configuration) -> Void = { _ in }) -> TunnelPool {
        var configuration = TunnelPool.Configuration()
        configure(&configuration)
        return TunnelPool(eventLoop: loop, configuration: configuration, logger: recorder.logger)
    }

    /// The client side's "captured" listener: each accepted connection is relayed through `pool` to
    /// `target` via `node`; failures go to `relayFailures`.
    func startCapture(
        pool: TunnelPool, target: SocketAddress, node: SocketAddress, credentials: TunnelCredentials,
        headers: HPACKHeaders = [:]
    ) async throws -> any Channel {
        let sink = failureSink
        return try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                pool.relay(downstream: channel, target: target, node: node, credentials: credentials, headers: headers)
                    .whenFailure { sink.yield($0) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Connects to `listener`, sends `payload`, half-closes, and returns all it read until the close.
    func exchange(through listener: any Channel, payload: ByteBuffer) async throws -> ByteBuffer {
        let port = try #require(listener.localAddress?.port)
        let promise = loop.makePromise(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        BulkClientHandler(payload: payload, pause: .zero, promise: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        // A bound for a broken test, not a timing assertion.
        channel.eventLoop.scheduleTask(in: .seconds(20)) { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    func firstRequest() async throws -> TunnelRequest {
        try await waitFor("a tunnel request", in: requests) { _ in true }
    }

    func firstRejection() async throws -> PeerRejection {
        try await waitFor("a refused peer", in: rejections) { _ in true }
    }

    func firstRelayFailure() async throws -> any Error {
        try await waitFor("a failed relay", in: relayFailures) { _ in true }
    }

    /// Waits for `channel` to close; fails after 10 s (a bound for a broken test).
    func awaitClose(of channel: any Channel, _ what: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await channel.closeFuture.get() }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                throw TimedOut("timed out after 10 s waiting for \(what)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}

/// A backend that keeps every accepted connection open and hands it to the test.
final class AcceptedChannels: Sendable {
    let channels: AsyncStream<any Channel>
    private let sink: AsyncStream<any Channel>.Continuation

    init() {
        (channels, sink) = AsyncStream.makeStream()
    }

    func listen(group: any EventLoopGroup) async throws -> any Channel {
        let sink = sink
        return try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                sink.yield(channel)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func first() async throws -> any Channel {
        try await waitFor("an accepted connection", in: channels) { _ in true }
    }
}
