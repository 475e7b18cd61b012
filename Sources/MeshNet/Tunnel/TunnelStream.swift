public import NIOCore
public import NIOHPACK

/// One open tunnel stream whose destination answered 200: a byte pipe to the endpoint, to be
/// joined to the connection it carries (a captured TCP connection) with `join(_:)`.
///
/// After the join, end of input on the joined connection ends the stream (END_STREAM) and the
/// endpoint's FIN shuts the connection's output; a close or reset on either side closes the other.
/// Use it on `channel.eventLoop` (the tunnel pool's).
public final class TunnelStream: @unchecked Sendable {
    // @unchecked: the handler is touched only on the stream's event loop (checked in `join`).
    /// The HTTP/2 stream.
    public let channel: any Channel
    /// The destination's 200 response headers.
    public let responseHeaders: HPACKHeaders
    private let handler: TunnelClientStream

    init(channel: any Channel, responseHeaders: HPACKHeaders, handler: TunnelClientStream) {
        self.channel = channel
        self.responseHeaders = responseHeaders
        self.handler = handler
    }

    /// Relays between the stream and `connection`, which must be on the stream's event loop.
    /// Sets `connection`'s `allowRemoteHalfClosure` and turns its `autoRead` on. Set both
    /// `allowRemoteHalfClosure` and `autoRead` off on `connection` before opening the stream: a
    /// client that half-closes meanwhile would otherwise be closed.
    /// - Parameter idleTimeout: both close after this long without a byte either way; nil: never.
    public func join(_ connection: any Channel, idleTimeout: TimeAmount? = nil) throws {
        guard connection.eventLoop === channel.eventLoop, channel.eventLoop.inEventLoop else {
            throw TunnelError(.wrongEventLoop, "a tunnel stream joins a connection only on its own event loop")
        }
        let (streamGlue, connectionGlue) = GlueHandler.matchedPair(idleTimeout: idleTimeout)
        let sync = channel.pipeline.syncOperations
        let framer = TunnelStreamFramer()
        try sync.addHandler(framer, position: .after(handler))
        try sync.addHandler(streamGlue, position: .after(framer))
        try connection.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
        try connection.pipeline.syncOperations.addHandler(connectionGlue)
        handler.release()
        (try? connection.pipeline.syncOperations.handler(type: HeldInput.self))?.release()
        try connection.syncOptions?.setOption(.autoRead, value: true)
        channel.flush()
    }

    /// Resets the stream (RST_STREAM), e.g. when the connection it was for went away meanwhile.
    public func cancel() {
        channel.close(promise: nil)
    }
}
