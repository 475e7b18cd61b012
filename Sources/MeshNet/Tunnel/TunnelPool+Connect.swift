import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL

extension TunnelPool {
    /// Starts a connection for `key` (on the loop) and lists it; opens wait on it until it is up.
    func connect(_ key: Key, material: TunnelCredentials.Material) -> TunnelClientConnection {
        let connection = TunnelClientConnection(key: key, limit: configuration.maxStreamsPerConnection)
        connections[key, default: []].append(connection)
        counts.connectionsOpened += 1
        let bound = NIOLoopBound(connection, eventLoop: eventLoop)
        let connected = configuration.dialer.bootstrap(on: eventLoop, connectTimeout: configuration.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel, bound.value, material: material) }
            }
            .connect(to: key.node)
        connected.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                channel.closeFuture.assumeIsolated().whenComplete { _ in
                    connection.close(TunnelError(.closed, "tunnel connection to \(key.node) closed"))
                    self.forget(connection)
                }
                guard case .connecting = connection.phase, let multiplexer = connection.multiplexer else { return }
                connection.ready(multiplexer)
            case .failure(let error):
                connection.close(TunnelError(.connectFailed, "tunnel connection to \(key.node) failed", cause: error))
                self.forget(connection)
            }
        }
        return connection
    }

    /// The client's pipeline: TLS with the source's certificate (the node's SPIFFE ID checked
    /// against the bundle), the handshake guard, HTTP/2, and a handler for SETTINGS and GOAWAY.
    private func configure(
        _ channel: any Channel, _ connection: TunnelClientConnection, material: TunnelCredentials.Material
    ) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(
            material.verifier.makeClientHandler(context: material.clientContext, peerAddress: connection.key.node))
        let handshakeGuard = TunnelHandshakeGuard(timeout: configuration.connectTimeout, logger: logger) {
            self.counts.handshakes += 1
        }
        try sync.addHandler(handshakeGuard)
        let multiplexer = try sync.configureHTTP2Pipeline(
            mode: .client,
            connectionConfiguration: TunnelServer.connectionConfiguration(maxConcurrentStreams: nil, client: true),
            streamConfiguration: TunnelServer.streamConfiguration
        ) { pushed in
            // The client turned push off; a server-initiated stream is a mistake.
            pushed.close()
        }
        try sync.addHandler(
            HTTP2SessionHandler(
                settings: { connection.serverAllows(maxConcurrentStreams: $0) },
                goAway: { connection.close(TunnelError(.closed, "tunnel node \(connection.key.node) said GOAWAY")) },
                inactive: {}))
        let idle = TunnelIdleTimeout(channel: channel, timeout: configuration.idleTimeout, openStreams: connection.reserved)
        idle.onIdle = { connection.close(TunnelError(.closed, "tunnel connection to \(connection.key.node) was idle")) }
        idle.start()
        connection.idle = idle
        connection.handshakeGuard = handshakeGuard
        connection.channel = channel
        connection.multiplexer = multiplexer
    }

    private func forget(_ connection: TunnelClientConnection) {
        connections[connection.key]?.removeAll { $0 === connection }
        if connections[connection.key]?.isEmpty == true { connections[connection.key] = nil }
    }

    /// Opens the stream, sends the CONNECT and completes `promise` with the 200 (or the failure).
    func startStream(
        on connection: TunnelClientConnection,
        _ multiplexer: NIOHTTP2Handler.StreamMultiplexer,
        request: HPACKHeaders,
        description: String,
        promise: EventLoopPromise<TunnelStream>
    ) {
        guard let handshakeGuard = connection.handshakeGuard else {
            connection.release()
            return promise.fail(TunnelError(.closed, "\(description): connection not set up"))
        }
        let response = eventLoop.makePromise(of: HPACKHeaders.self)
        let bound = NIOLoopBound(handshakeGuard, eventLoop: eventLoop)
        let created = eventLoop.makePromise(of: (any Channel).self)
        multiplexer.createStreamChannel(promise: created) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(
                    TunnelClientStream(response: response, request: description, connection: bound.value))
            }
        }
        created.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                connection.release()
                response.fail(error)
                promise.fail(TunnelError(.closed, "\(description): stream could not be opened", cause: error))
            case .success(let stream):
                stream.closeFuture.assumeIsolated().whenComplete { _ in connection.release() }
                stream.writeAndFlush(HTTP2Frame.FramePayload.headers(.init(headers: request)), promise: nil)
                response.futureResult.assumeIsolated().whenComplete { answer in
                    switch answer {
                    case .success(let headers):
                        guard let handler = try? stream.pipeline.syncOperations.handler(type: TunnelClientStream.self) else {
                            return promise.fail(TunnelError(.closed, "\(description): stream closed"))
                        }
                        self.counts.streamsEstablished += 1
                        promise.succeed(TunnelStream(channel: stream, responseHeaders: headers, handler: handler))
                    case .failure(let error):
                        stream.close(promise: nil)
                        promise.fail(error)
                    }
                }
            }
        }
    }
}
