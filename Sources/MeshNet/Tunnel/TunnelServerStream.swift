import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Synchronization

/// The first handler of every stream the tunnel server accepts. It checks the request (CONNECT,
/// `:authority` an `ip:port`), asks the decision callback, connects to the target and answers:
///
/// - not CONNECT: 405; extended CONNECT (`:protocol`), a bad authority or a request that already
///   ended: 400; denied: 403 (the reason logged); target refused or timed out: 503;
/// - connected: 200, then the stream becomes a byte relay with the target connection:
///
/// ```
/// stream:   TunnelServerStream → TunnelStreamFramer → GlueHandler
/// target:   GlueHandler
/// ```
///
/// END_STREAM and FIN map onto each other, resets and closes propagate (the relay's
/// `GlueHandler`s and `TunnelStreamFramer`), and DATA that came with or right after the HEADERS is
/// held while the target connects, then replayed.
final class TunnelServerStream: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum State {
        case awaitingHeaders
        case connecting(early: [HTTP2Frame.FramePayload])
        case relaying
        case answered
    }

    private let settings: TunnelServer.StreamSettings
    private var state = State.awaitingHeaders

    init(settings: TunnelServer.StreamSettings) {
        self.settings = settings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        switch state {
        case .awaitingHeaders:
            guard case .headers(let headers) = payload else {
                // HTTP/2 guarantees HEADERS first; anything else is not a request.
                return context.close(promise: nil)
            }
            handle(headers, context: context)
        case .connecting(var early):
            early.append(payload)
            state = .connecting(early: early)
        case .relaying:
            context.fireChannelRead(data)
        case .answered:
            break
        }
    }

    private func handle(_ request: HTTP2Frame.FramePayload.Headers, context: ChannelHandlerContext) {
        let headers = request.headers
        guard headers.first(name: ":method") == "CONNECT" else {
            return answer(405, context: context, extra: [("allow", "CONNECT")])
        }
        guard headers.first(name: ":protocol") == nil, !request.endStream else { return answer(400, context: context) }
        guard let authority = headers.first(name: ":authority"), let target = TunnelAuthority.parse(authority) else {
            return answer(400, context: context)
        }
        let parent = context.channel.parent
        let peer = (try? parent?.pipeline.syncOperations.handler(type: PeerIdentityHandler.self).identity) ?? nil
        var fields = HPACKHeaders()
        for field in headers where !field.name.hasPrefix(":") {
            fields.add(name: field.name, value: field.value, indexing: field.indexable)
        }
        let tunnelRequest = TunnelRequest(
            peer: peer ?? PeerIdentity(spiffeIDs: []), source: parent?.remoteAddress, target: target, headers: fields)
        settings.counters.streams.add(1, ordering: .relaxed)
        switch settings.decide(tunnelRequest) {
        case .allow:
            connect(to: target, context: context)
        case .allowTo(let address):
            connect(to: address, context: context)
        case .deny(let reason):
            settings.counters.denied.add(1, ordering: .relaxed)
            settings.logger.info(
                "Tunnel stream denied",
                metadata: [
                    "peer.identity": "\(tunnelRequest.peer)",
                    "peer.address": "\(tunnelRequest.source?.description ?? "-")",
                    "destination.address": "\(authority)",
                    "tunnel.reason": "\(reason)",
                ])
            answer(403, context: context)
        }
    }

    private func connect(to target: SocketAddress, context: ChannelHandlerContext) {
        state = .connecting(early: [])
        let stream = context.channel
        // Frames not yet read stay with NIO and hold the flow-control window until the target is up.
        stream.setOption(.autoRead, value: false).whenFailure { _ in stream.close(promise: nil) }
        let (streamGlue, targetGlue) = GlueHandler.matchedPair(idleTimeout: settings.streamIdleTimeout)
        let targetHandler = NIOLoopBound(targetGlue, eventLoop: context.eventLoop)
        let connected = settings.dialer.bootstrap(on: context.eventLoop, connectTimeout: settings.connectTimeout)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Its reads wait until the stream's glue joins (the partner is not writable before).
                    try channel.pipeline.syncOperations.addHandler(targetHandler.value)
                }
            }
            .connect(to: target)
        connected.hop(to: context.eventLoop).assumeIsolated().whenComplete { [self] result in
            switch result {
            case .failure(let error):
                settings.counters.unreachable.add(1, ordering: .relaxed)
                settings.logger.debug(
                    "Tunnel target unreachable",
                    metadata: ["destination.address": "\(target)", "error.message": "\(error)"])
                guard stream.isActive else { return }
                answer(503, context: context)
            case .success(let upstream):
                guard stream.isActive, case .connecting(let early) = state else { return upstream.close(promise: nil) }
                do {
                    try join(upstream: upstream, streamGlue: streamGlue, early: early, context: context)
                } catch {
                    upstream.close(promise: nil)
                    stream.close(promise: nil)
                }
            }
        }
    }

    private func join(
        upstream: any Channel, streamGlue: GlueHandler, early: [HTTP2Frame.FramePayload], context: ChannelHandlerContext
    ) throws {
        // 200 goes out before any byte of the target's.
        context.write(wrapOutboundOut(.headers(.init(headers: [":status": "200"]))), promise: nil)
        let sync = context.pipeline.syncOperations
        let framer = TunnelStreamFramer()
        try sync.addHandler(framer, position: .after(self))
        try sync.addHandler(streamGlue, position: .after(framer))
        state = .relaying
        for payload in early { context.fireChannelRead(wrapInboundOut(payload)) }
        if !early.isEmpty { context.fireChannelReadComplete() }
        context.flush()
        // A stream channel does not read again when autoRead is turned back on; ask once (the glue
        // holds the read back while the target is not writable).
        context.channel.setOption(.autoRead, value: true).whenFailure { _ in upstream.close(promise: nil) }
        context.channel.read()
    }

    /// Ends the stream with `status` and no body; a client that has not ended its side is reset.
    private func answer(_ status: Int, context: ChannelHandlerContext, extra: [(String, String)] = []) {
        state = .answered
        var headers = HPACKHeaders([(":status", "\(status)")])
        headers.add(contentsOf: extra)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))))
            .assumeIsolated().whenComplete { _ in channel.close(promise: nil) }
    }
}
