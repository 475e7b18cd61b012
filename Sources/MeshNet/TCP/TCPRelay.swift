public import MeshModel
public import NIOCore
import NIOPosix

/// Relays a downstream connection to an upstream address, byte for byte: the TCP proxy of tcp,
/// tls (after termination) and tls-passthrough filter chains.
///
/// The upstream is connected on the downstream's event loop, so the two `GlueHandler`s talk without
/// locks or hops. Downstream reads pause until the upstream is connected; bytes an earlier handler
/// already holds (the ClientHello in `SNIHandler`) reach the glue when that handler leaves.
public enum TCPRelay {
    /// Connects to `address` and joins it with `downstream`, whose pipeline gets the glue handler at
    /// the end. The future succeeds once the relay runs; it fails, after closing `downstream`, when the
    /// upstream cannot be reached. `onClose` is called once: when both connections have closed, or
    /// right away on a failed connect (with `connectError`).
    /// - Parameters:
    ///   - idleTimeout: both connections close after this long without a byte either way (Envoy's
    ///     tcp_proxy `idle_timeout`); nil or zero for none.
    ///   - tls: originate TLS to the upstream (the cluster's DestinationRule `tls`); the relay starts
    ///     once the handshake is accepted, and a refused one is a connect error.
    ///   - dialer: opens the upstream connection (the proxy's socket mark).
    public static func relay(
        downstream: any Channel,
        to address: SocketAddress,
        connectTimeout: TimeAmount,
        idleTimeout: TimeAmount? = nil,
        tls: UpstreamTLSClient? = nil,
        keepalive: Snapshot.Cluster.TCPKeepalive? = nil,
        dialer: UpstreamDialer = UpstreamDialer(),
        onClose: @escaping @Sendable (Stats) -> Void
    ) -> EventLoopFuture<Void> {
        let loop = downstream.eventLoop
        let options = Options(
            address: address, connectTimeout: connectTimeout, idleTimeout: idleTimeout, tls: tls, keepalive: keepalive,
            dialer: dialer)
        if loop.inEventLoop {
            return start(downstream: downstream, options, onClose: onClose)
        }
        return loop.flatSubmit {
            start(downstream: downstream, options, onClose: onClose)
        }
    }

    private struct Options: Sendable {
        var address: SocketAddress
        var connectTimeout: TimeAmount
        var idleTimeout: TimeAmount?
        var tls: UpstreamTLSClient?
        var keepalive: Snapshot.Cluster.TCPKeepalive?
        var dialer: UpstreamDialer
    }

    private static func start(
        downstream: any Channel,
        _ options: Options,
        onClose: @escaping @Sendable (Stats) -> Void
    ) -> EventLoopFuture<Void> {
        let loop = downstream.eventLoop
        let address = options.address
        let tls = options.tls
        let started = NIODeadline.now()
        let (downstreamGlue, upstreamGlue) = GlueHandler.matchedPair(idleTimeout: options.idleTimeout)
        do {
            try setOption(.autoRead, false, on: downstream)
            try setOption(.allowRemoteHalfClosure, true, on: downstream)
            if let refusal = tls?.refusal { throw refusal }
        } catch {
            downstream.close(promise: nil)
            onClose(Stats(upstreamAddress: address, connectError: error))
            return loop.makeFailedFuture(error)
        }
        let upstreamHandler = NIOLoopBound(upstreamGlue, eventLoop: loop)
        let connectTimeout = options.connectTimeout
        let connected = options.dialer.bootstrap(on: loop, connectTimeout: connectTimeout, keepalive: options.keepalive)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // The glue joins once the handshake is accepted: it would hold back the handshake's reads.
                        try tls.addHandlers(to: channel, timeout: connectTimeout, http: false)
                    } else {
                        try channel.pipeline.syncOperations.addHandler(upstreamHandler.value)
                    }
                }
            }
            .connect(to: address)
        let relaying = loop.makePromise(of: Void.self)
        func failed(_ error: any Error, upstream: (any Channel)?) {
            upstream?.close(promise: nil)
            downstream.close(promise: nil)
            onClose(Stats(upstreamAddress: address, duration: elapsed(since: started), connectError: error))
            relaying.fail(error)
        }
        func join(_ upstream: any Channel) {
            do {
                if tls != nil { try upstream.pipeline.syncOperations.addHandler(upstreamGlue) }
                try downstream.pipeline.syncOperations.addHandler(downstreamGlue)
                try setOption(.autoRead, true, on: downstream)
            } catch {
                // The client left while the upstream was connecting: nothing was relayed.
                upstream.close(promise: nil)
                downstream.close(promise: nil)
                onClose(Stats(upstreamAddress: address, duration: elapsed(since: started)))
                relaying.fail(error)
                return
            }
            downstream.closeFuture.and(upstream.closeFuture).assumeIsolated().whenComplete { _ in
                onClose(
                    Stats(
                        upstreamAddress: address,
                        bytesIn: downstreamGlue.bytesRead,
                        bytesOut: upstreamGlue.bytesRead,
                        duration: elapsed(since: started)
                    )
                )
            }
            relaying.succeed()
        }
        connected.hop(to: loop).assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                failed(error, upstream: nil)
            case .success(let upstream):
                guard tls != nil else { return join(upstream) }
                guard let handshake = try? upstream.pipeline.syncOperations.handler(type: UpstreamTLSHandshake.self) else {
                    return failed(UpstreamTLSFailure.closedDuringHandshake, upstream: upstream)
                }
                handshake.outcome.assumeIsolated().whenComplete { outcome in
                    switch outcome {
                    case .success: join(upstream)
                    case .failure(let error): failed(error, upstream: upstream)
                    }
                }
            }
        }
        return relaying.futureResult
    }

    private static func setOption<Option: ChannelOption>(
        _ option: Option,
        _ value: Option.Value,
        on channel: any Channel
    ) throws {
        if let options = channel.syncOptions {
            try options.setOption(option, value: value)
        } else {
            // On the event loop a socket channel applies the option at once.
            channel.setOption(option, value: value).whenFailure { _ in channel.close(promise: nil) }
        }
    }

    private static func elapsed(since start: NIODeadline) -> Duration {
        .nanoseconds((NIODeadline.now() - start).nanoseconds)
    }
}
