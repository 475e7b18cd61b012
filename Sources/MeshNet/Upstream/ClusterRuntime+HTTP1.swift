import MeshModel
import NIOCore
import NIOHTTP1
import NIOPosix

/// New HTTP/1.1 connections of a cluster, with TLS when the cluster has it, and the endpoint
/// addresses they connect to.
extension ClusterRuntime {
    /// Opens an HTTP/1.1 connection to `endpoint` for `done`, counted against the connection limit
    /// from now on; usable once TLS (if any) is accepted, a connect failure (UF) otherwise.
    func connect(_ endpoint: UpstreamEndpoint, _ done: @escaping Acquired) {
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
        UpstreamDialer(mark: settings.upstreamMark)
            .bootstrap(on: eventLoop, connectTimeout: connectTimeout, keepalive: entry.cluster.tcpKeepalive)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // TLS first: the HTTP codec reads and writes plain text through it.
                    try tls?.addHandlers(to: channel, timeout: connectTimeout)
                    // The codec forwards bytes an upstream sends right after a WebSocket 101 to the tunnel.
                    let handler = UpstreamResponseHandler()
                    try channel.pipeline.syncOperations.addHandler(HTTP1ClientCodec(sink: handler))
                    try channel.pipeline.syncOperations.addHandler(handler)
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
                        let codec = try pipeline.handler(type: HTTP1ClientCodec.self)
                        let connection = UpstreamConnection(channel: channel, endpoint: endpoint, handler: handler, codec: codec)
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
    static func sameTransport(
        _ old: CompiledSnapshot.ClusterEntry,
        _ new: CompiledSnapshot.ClusterEntry
    ) -> Bool {
        guard let tls = new.tls else { return old.tls == nil }
        return tls.sameTransport(as: old.tls)
    }

    func socketAddress(_ endpoint: UpstreamEndpoint) throws -> SocketAddress {
        if let cached = addresses[endpoint.key] { return cached }
        // Endpoints are IP addresses: the control plane resolves the names of DNS ServiceEntries
        // (the registry's ServiceEntryResolver), so nothing on an event loop ever waits on DNS.
        let address = try SocketAddress(ipAddress: endpoint.address, port: endpoint.port)
        addresses[endpoint.key] = address
        return address
    }
}
