import NIOCore
import NIOHTTP1
import NIOHTTPCompression

/// WebSocket pass-through: an HTTP/1.1 `Upgrade: websocket` request is routed and forwarded like
/// any other (with `Upgrade` and `Connection: upgrade` kept); when the upstream answers
/// `101 Switching Protocols`, both connections drop their HTTP handlers and become a byte relay
/// (`GlueHandler`s), as Envoy's `upgrade_configs: websocket` does. Any other answer is proxied as a
/// normal response and the client connection closes after it (its parser stopped at the upgrade).
enum UpgradeTunnel {
    /// An HTTP/1.1 request asking for a WebSocket: `Upgrade` names `websocket` and `Connection`
    /// has the `upgrade` token. Costs one header scan, and only for requests with `Upgrade`.
    static func isWebSocketUpgrade(_ head: HTTPRequestHead) -> Bool {
        guard head.version == .http1_1, head.method == .GET else { return false }
        let upgrade = head.headers[canonicalForm: "upgrade"]
        guard upgrade.contains(where: { ASCII.equalsIgnoringCase($0.utf8, "websocket".utf8) }) else { return false }
        return head.headers[canonicalForm: "connection"].contains { ASCII.equalsIgnoringCase($0.utf8, "upgrade".utf8) }
    }

    /// The `101` head as bytes, written straight to the client once its HTTP handlers are gone.
    static func encode(_ head: HTTPResponseHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeString("HTTP/1.1 101 \(head.status.reasonPhrase)\r\n")
        for (name, value) in head.headers {
            buffer.writeString(name)
            buffer.writeString(": ")
            buffer.writeString(value)
            buffer.writeString("\r\n")
        }
        buffer.writeString("\r\n")
        return buffer
    }

    /// Turns both channels into a relay. Runs on their (shared) event loop, outside any handler
    /// callback of either pipeline, so removing handlers cannot pull the floor from under them.
    /// Bytes the upstream sent right after its 101 (the decoder kept them) are relayed after the
    /// 101 itself. The tunnel closes after `idleTimeout` without a byte either way (nil or zero: never).
    static func join(
        downstream: any Channel, upstream: any Channel, response: ByteBuffer, idleTimeout: TimeAmount? = nil
    ) throws {
        let client = downstream.pipeline.syncOperations
        try removeIfPresent(ConnectionTimeouts.self, from: client)
        try removeIfPresent(HTTPProxyHandler.self, from: client)
        try removeIfPresent(HTTP1ServerCodec.self, from: client)
        try removeIfPresent(HTTPResponseCompressor.self, from: client)
        try removeIfPresent(HTTPServerProtocolErrorHandler.self, from: client)
        try removeIfPresent(HTTPServerPipelineHandler.self, from: client)
        try removeIfPresent(ByteToMessageHandler<HTTPRequestDecoder>.self, from: client)
        try removeIfPresent(HTTPResponseEncoder.self, from: client)
        try removeIfPresent(NIOHTTPResponseHeadersValidator.self, from: client)
        downstream.write(response, promise: nil)

        let (clientGlue, serverGlue) = GlueHandler.matchedPair(idleTimeout: idleTimeout)
        try client.addHandler(clientGlue)
        try attachUpstream(upstream, glue: serverGlue, flushing: downstream)
        _ = downstream.setOption(.autoRead, value: true)
        _ = upstream.setOption(.autoRead, value: true)
        downstream.flush()
        upstream.flush()
    }

    /// The upstream half of a tunnel: its HTTP handlers give way to `glue`. The response codec
    /// forwards what it buffered after the 101 to the glue when it is removed; `downstream` is
    /// flushed then, as no read-complete follows those bytes.
    static func attachUpstream(_ upstream: any Channel, glue: GlueHandler, flushing downstream: any Channel) throws {
        let server = upstream.pipeline.syncOperations
        try server.addHandler(glue)
        try removeIfPresent(UpstreamResponseHandler.self, from: server)
        try removeIfPresent(HTTPRequestEncoder.self, from: server)
        try removeIfPresent(NIOHTTPRequestHeadersValidator.self, from: server)
        let removed = upstream.eventLoop.makePromise(of: Void.self)
        removed.futureResult.assumeIsolated().whenComplete { _ in downstream.flush() }
        try removeIfPresent(HTTP1ClientCodec.self, from: server, promise: removed)
    }

    static func removeIfPresent<Handler: RemovableChannelHandler>(
        _ type: Handler.Type, from pipeline: ChannelPipeline.SynchronousOperations, promise: EventLoopPromise<Void>? = nil
    ) throws {
        guard let context = try? pipeline.context(handlerType: type) else {
            promise?.succeed()
            return
        }
        pipeline.removeHandler(context: context, promise: promise)
    }
}
