import Logging
import MeshModel
import NIOCore
import NIOHTTP1
import NIOSSL

/// Builds the handlers of a new downstream connection from its listener's protocol: HTTP/1.1 or
/// HTTP/2,
/// TLS terminated by the chain the SNI picks (then HTTP or TCP), TLS passed through by SNI, or TCP.
enum ListenerPipeline {
    static func configure(_ channel: any Channel, listener: Snapshot.Listener, state: LoopState, states: LoopStates) throws {
        switch listener.protocol {
        case .http:
            guard let chain = listener.filterChains.first(where: { $0.serverNames.isEmpty }) ?? listener.filterChains.first,
                case .http(let routeConfigurationName) = chain.destination
            else {
                channel.close(promise: nil)
                return
            }
            try addPlainHTTP(
                to: channel, listenerName: listener.name, routeConfigurationName: routeConfigurationName,
                port: Int(listener.port), state: state)
        case .tcp:
            guard let chain = listener.filterChains.first, case .tcp(let clusters) = chain.destination else {
                channel.close(promise: nil)
                return
            }
            relayTCP(channel, clusters: clusters, state: state)
        case .https, .tls, .tlsPassthrough:
            let name = listener.name
            let port = Int(listener.port)
            if state.settings.tlsHandshakeTimeout > .zero {
                try channel.pipeline.syncOperations.addHandler(
                    TLSHandshakeTimeout(
                        timeout: state.settings.tlsHandshakeTimeout, logger: state.logger,
                        idleConnections: state.idleConnections))
            }
            let handler = SNIChainHandler(chains: listener.filterChains, logger: state.logger) { channel, index, _ in
                let state = states.state(for: channel.eventLoop)
                guard let listener = state.config.listeners[name], listener.filterChains.indices.contains(index) else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                }
                let chain = listener.filterChains[index]
                return channel.eventLoop.makeCompletedFuture {
                    try configureChain(channel, chain: chain, listenerName: name, port: port, state: state)
                }
            }
            try channel.pipeline.syncOperations.addHandler(handler)
        }
    }

    /// After the SNI picked `chain`: terminate its TLS (then HTTP or TCP), or pass the bytes through.
    private static func configureChain(
        _ channel: any Channel, chain: Snapshot.FilterChain, listenerName: String, port: Int, state: LoopState
    ) throws {
        guard let tls = chain.tls else {
            guard case .tcp(let clusters) = chain.destination else { throw ChannelError.ioOnClosedChannel }
            // Passed through: the ClientHello is read, the rest of the handshake is the upstream's.
            TLSHandshakeTimeout.finished(on: channel)
            relayTCP(channel, clusters: clusters, state: state)
            return
        }
        let key = CompiledSnapshot.tlsKey(listener: listenerName, chain: chain.name)
        guard let context = state.config.tlsContexts[key] else {
            state.logger.info(
                "TLS connection refused: the chain has no usable certificate",
                metadata: ["listener.name": "\(listenerName)", "chain.name": "\(chain.name)"])
            throw ChannelError.ioOnClosedChannel
        }
        let destination = chain.destination
        try SNIChainHandler.addTLSTermination(
            context: context, tls: tls, to: channel.pipeline.syncOperations, logger: state.logger
        ) { channel, negotiated in
            TLSHandshakeTimeout.finished(on: channel)
            // The identity the handshake verified, read once per connection for authorization and
            // for the `x-forwarded-client-cert` its requests carry upstream.
            let peer = negotiated.clientCertificate.flatMap { PeerIdentity.spiffeIDs(in: $0).first }
            let forwardedClientCert = negotiated.clientCertificate.map {
                ForwardedClientCert.value(client: $0, servedURIs: state.config.servedURIs[key] ?? [])
            }
            return channel.eventLoop.makeCompletedFuture {
                switch destination {
                case .http(let routeConfigurationName) where negotiated.applicationProtocol == "h2":
                    try HTTP2Downstream.configure(
                        channel, listenerName: listenerName, routeConfigurationName: routeConfigurationName,
                        scheme: "https", port: port, state: state, peerSPIFFEID: peer,
                        forwardedClientCert: forwardedClientCert)
                case .http(let routeConfigurationName):
                    try addHTTP1(
                        to: channel, listenerName: listenerName, routeConfigurationName: routeConfigurationName,
                        scheme: "https", port: port, state: state, peerSPIFFEID: peer,
                        forwardedClientCert: forwardedClientCert)
                case .tcp(let clusters):
                    relayTCP(channel, clusters: clusters, state: state)
                }
            }
        }
    }

    /// TCP proxy to an endpoint of one of the weighted clusters.
    private static func relayTCP(_ channel: any Channel, clusters: [Snapshot.WeightedCluster], state: LoopState) {
        let total = clusters.reduce(0) { $0 + UInt64($1.weight) }
        var pick = clusters.first
        if total > 0 {
            var point = state.random.next() % total
            for cluster in clusters {
                if point < UInt64(cluster.weight) {
                    pick = cluster
                    break
                }
                point -= UInt64(cluster.weight)
            }
        }
        guard let name = pick?.name, let runtime = state.cluster(named: name),
            let endpoint = runtime.pickEndpoint(hash: nil, tried: [], now: .now())?.endpoint,
            let address = try? SocketAddress(ipAddress: endpoint.address, port: endpoint.port)
        else {
            state.logger.info("TCP connection refused: no healthy upstream", metadata: ["cluster.name": "\(pick?.name ?? "-")"])
            channel.close(promise: nil)
            return
        }
        // The DestinationRule's `connectionPool.tcp.maxConnections` (Envoy's circuit breaker on
        // connections): past it a new connection is closed at once (Envoy's `UO`).
        guard runtime.breaker.canOpenConnection() else {
            state.logger.info(
                "TCP connection refused: the cluster's connection limit is reached", metadata: ["cluster.name": "\(name)"])
            channel.close(promise: nil)
            return
        }
        runtime.breaker.connectionOpened()
        let breaker = NIOLoopBound(runtime.breaker, eventLoop: channel.eventLoop)
        let logger = state.logger
        _ = TCPRelay.relay(
            downstream: channel, to: address, connectTimeout: TimeAmount(runtime.cluster.connectTimeout),
            idleTimeout: state.settings.tcpIdleTimeout, tls: runtime.entry.tls, keepalive: runtime.cluster.tcpKeepalive,
            dialer: UpstreamDialer(mark: state.settings.upstreamMark)
        ) { stats in
            // Called on the connection's loop (the relay runs there), once per relay.
            breaker.value.connectionClosed()
            logger.debug(
                "TCP connection finished",
                metadata: [
                    "upstream.address": "\(stats.upstreamAddress)", "bytes.in": "\(stats.bytesIn)", "bytes.out": "\(stats.bytesOut)",
                ])
        }
    }

    /// Plain-text HTTP: HTTP/1.x, or HTTP/2 when the client opens with its preface (h2c with
    /// prior knowledge). The connection timeouts guard the bytes before the choice too.
    static func addPlainHTTP(
        to channel: any Channel, listenerName: String, routeConfigurationName: String, port: Int, state: LoopState
    ) throws {
        let timeouts = ConnectionTimeouts(settings: state.settings)
        timeouts.register(in: state.idleConnections, channel: channel)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(timeouts)
        try sync.addHandler(
            HTTPVersionSniffer { channel, version in
                switch version {
                case .http1:
                    try addHTTP1(
                        to: channel, listenerName: listenerName, routeConfigurationName: routeConfigurationName,
                        scheme: "http", port: port, state: state, timeouts: timeouts)
                case .http2:
                    // HTTP/2 has its own idle handling (`HTTP2IdleTimeout`), by open streams.
                    channel.pipeline.syncOperations.removeHandler(timeouts, promise: nil)
                    try HTTP2Downstream.configure(
                        channel, listenerName: listenerName, routeConfigurationName: routeConfigurationName,
                        scheme: "http", port: port, state: state)
                }
            })
    }

    /// HTTP/1.1 on a plain or TLS-terminated connection.
    /// - Parameter timeouts: already in the pipeline (in front of a sniffer); nil makes them. The
    ///   engine's codec drives them itself (their handler leaves); NIO's codecs keep the handler.
    static func addHTTP1(
        to channel: any Channel, listenerName: String, routeConfigurationName: String, scheme: String, port: Int,
        state: LoopState, timeouts existing: ConnectionTimeouts? = nil, peerSPIFFEID: String? = nil,
        forwardedClientCert: String? = nil
    ) throws {
        let sync = channel.pipeline.syncOperations
        let timeouts: ConnectionTimeouts
        if let existing {
            timeouts = existing
        } else {
            timeouts = ConnectionTimeouts(settings: state.settings)
            timeouts.register(in: state.idleConnections, channel: channel)
        }
        let proxy = HTTPProxyHandler(
            state: state, listenerName: listenerName, routeConfigurationName: routeConfigurationName, scheme: scheme,
            listenerPort: port, timeouts: timeouts, peerSPIFFEID: peerSPIFFEID,
            forwardedClientCert: forwardedClientCert)
        guard let compressor = ResponseCompression.handler(for: routeConfigurationName, in: state.config) else {
            // The engine's own codec: one handler, requests and responses by direct calls. It
            // drives the timeouts too, so their handler (in front of the sniffer) leaves.
            let limits = HTTP1ParserLimits(
                maxHeadBytes: state.settings.maxRequestHeaderBytes, maxHeaderCount: state.settings.maxRequestHeaderCount)
            let codec = HTTP1ServerCodec(limits: limits, sink: proxy, timeouts: timeouts)
            proxy.codec = codec
            try sync.addHandler(codec)
            try sync.addHandler(proxy)
            if existing != nil { sync.removeHandler(timeouts, promise: nil) }
            return
        }
        if existing == nil { try sync.addHandler(timeouts) }
        // Response compression works on NIO's HTTP parts, so these connections keep NIO's codecs.
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = state.settings.maxRequestHeaderBytes
        limits.maxHeaderFieldSize = state.settings.maxRequestHeaderBytes
        limits.maxHeaderFieldCount = state.settings.maxRequestHeaderCount + 1
        try sync.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: true, withOutboundHeaderValidation: false,
            withEncoderConfiguration: HTTPResponseEncoder.Configuration(), withDecoderLimitConfiguration: limits)
        try sync.addHandler(compressor)
        try sync.addHandler(proxy)
    }
}
