public import Logging
public import MeshModel
public import NIOCore
import NIOTLS

/// First handler of an https, tls or tls-passthrough listener's connection: reads the SNI from the
/// ClientHello without consuming it, picks the filter chain, and lets the caller build the rest.
///
/// It installs NIOTLS's `SNIHandler` (a `ByteToMessageDecoder` that buffers the ClientHello) right
/// after itself. Once the server name is known (or known to be absent: no SNI, or not TLS at all) it
/// selects the chain with `FilterChainSelector` and calls `onSelect`, which adds the chain's handlers
/// at the end of the pipeline: TLS termination (`addTLSTermination`) or a `TCPRelay` for passthrough.
/// When the returned future succeeds both handlers leave the pipeline and the buffered ClientHello
/// flows, in order and followed by a read-complete, to the new handlers. No matching chain, a failed `onSelect` or no ClientHello
/// within `clientHelloTimeout` closes the connection, logged at info with the reason.
public final class SNIChainHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    /// Configures the pipeline for the chosen chain; called on the channel's event loop.
    public typealias OnSelect =
        @Sendable (
            _ channel: any Channel, _ chainIndex: Int, _ serverName: String?
        ) -> EventLoopFuture<Void>

    private let chains: [Snapshot.FilterChain]
    private let onSelect: OnSelect
    private let clientHelloTimeout: TimeAmount?
    private let logger: Logger
    private var timeout: Scheduled<Void>?
    private var decided = false
    private var sniHandler: ByteToMessageHandler<SNIHandler>?

    /// - Parameter clientHelloTimeout: how long a client may take to send its ClientHello (Envoy's
    ///   `listener_filters_timeout`, 15 s by default); nil waits for ever.
    public init(
        chains: [Snapshot.FilterChain],
        clientHelloTimeout: TimeAmount? = .seconds(15),
        logger: Logger = Logger(label: "meshbox.tls"),
        onSelect: @escaping OnSelect
    ) {
        self.chains = chains
        self.clientHelloTimeout = clientHelloTimeout
        self.logger = logger
        self.onSelect = onSelect
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        let sni = ByteToMessageHandler(SNIHandler { [self] result in self.serverNameKnown(context: context, result) })
        sniHandler = sni
        do {
            try context.pipeline.syncOperations.addHandler(sni, position: .after(self))
        } catch {
            logger.error("SNI handler could not be added", metadata: ["error.message": "\(error)"])
            context.close(promise: nil)
            return
        }
        if let clientHelloTimeout {
            timeout = context.eventLoop.assumeIsolated().scheduleTask(in: clientHelloTimeout) { [self] in
                guard !decided else { return }
                decided = true
                close(context: context, "no TLS ClientHello within \(clientHelloTimeout)", serverName: nil)
            }
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        decided = true
        context.fireChannelInactive()
    }

    private func serverNameKnown(context: ChannelHandlerContext, _ result: SNIResult) -> EventLoopFuture<Void> {
        guard !decided else { return context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        decided = true
        timeout?.cancel()
        timeout = nil
        let serverName: String? = if case .hostname(let name) = result { name } else { nil }
        guard let index = FilterChainSelector.select(serverName: serverName, chains: chains) else {
            close(context: context, "no filter chain matches the server name", serverName: serverName)
            // A failed future keeps the SNI handler (and its bytes) in place until the close tears it down.
            return context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        onSelect(context.channel, index, serverName).hop(to: context.eventLoop).assumeIsolated().whenComplete {
            [self] outcome in
            switch outcome {
            case .success:
                handOver(context: context)
            case .failure(let error):
                close(context: context, "filter chain \(chains[index].name) failed: \(error)", serverName: serverName)
            }
        }
        // `SNIHandler` removes itself when this future succeeds, but then nobody tells the new handlers
        // that the held bytes are a complete read. So it fails, and `handOver` removes it instead.
        return context.eventLoop.makeFailedFuture(HandedOver())
    }

    /// Removes the SNI handler, which passes the held bytes on, then completes that read for the new
    /// handlers (a TCP relay flushes on read-complete, as does HTTP/2), and leaves.
    private func handOver(context: ChannelHandlerContext) {
        guard let sniHandler else { return }
        self.sniHandler = nil
        let removed = context.eventLoop.makePromise(of: Void.self)
        context.pipeline.syncOperations.removeHandler(sniHandler, promise: removed)
        removed.futureResult.assumeIsolated().whenComplete { _ in
            context.fireChannelReadComplete()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private struct HandedOver: Error {}

    private func close(context: ChannelHandlerContext, _ reason: String, serverName: String?) {
        logger.info(
            "Connection closed before a filter chain took it",
            metadata: [
                "peer.address": "\(context.remoteAddress?.description ?? "unknown")",
                "tls.sni": "\(serverName ?? "")",
                "tls.reason": "\(reason)",
            ]
        )
        context.close(promise: nil)
    }
}
