import NIOCore
import NIOHTTP1
import NIOHTTPCompression

/// WebSocket over HTTP/2 (RFC 8441): after the upstream's 101 to the handshake an extended
/// CONNECT stream became, the stream's HTTP handlers give way to a byte relay, the way
/// `UpgradeTunnel` does for HTTP/1.1 connections:
///
/// ```
/// stream:   ExtendedConnectHandler → TunnelStreamFramer → GlueHandler  (→ NIO's HTTP/1 codec, idle)
/// upstream: (TLS) → GlueHandler
/// ```
///
/// The relay is the one TCP relays use: the stream channel's writability (HTTP/2 flow control
/// and NIO's watermarks) holds back reads from the upstream and the upstream's holds back the
/// stream's reads (hence its WINDOW_UPDATEs); END_STREAM and FIN map onto each other; the
/// gateway's `tcpIdleTimeout` closes a tunnel idle both ways.
enum ExtendedConnectTunnel {
    /// The upstream's 101 did not prove it read the handshake; the stream was answered 502.
    enum Failure: Error, CustomStringConvertible {
        case acceptMismatch(expected: String, received: String?)

        var description: String {
            switch self {
            case .acceptMismatch(let expected, let received):
                "the upstream answered Sec-WebSocket-Accept \(received ?? "(none)"), expected \(expected)"
            }
        }
    }

    /// Joins `stream` to `upstream` after `head` (the upstream's 101, response header rules
    /// applied). Runs on the streams' event loop outside either pipeline's callbacks. A 101 with
    /// the wrong `Sec-WebSocket-Accept` is answered 502 on the stream and the upstream closed.
    static func join(stream: any Channel, upstream: any Channel, head: HTTPResponseHead, idleTimeout: TimeAmount?) throws {
        let sync = stream.pipeline.syncOperations
        let handler = try sync.handler(type: ExtendedConnectHandler.self)
        guard let key = handler.key, handler.mode == .handshaking else { throw ChannelError.inappropriateOperationForState }
        let accept = head.headers.first(name: "sec-websocket-accept")
        guard accept == key.expectedAccept else {
            upstream.close(promise: nil)
            handler.answer(status: 502, message: "upstream WebSocket handshake failed: wrong Sec-WebSocket-Accept\n")
            throw Failure.acceptMismatch(expected: key.expectedAccept, received: accept)
        }
        // NIO's codec cannot be removed; the relay goes in front of it, so it sees nothing more.
        try UpgradeTunnel.removeIfPresent(HTTPProxyHandler.self, from: sync)
        try UpgradeTunnel.removeIfPresent(HTTPResponseCompressor.self, from: sync)

        // The upstream's FIN must arrive as end of input (END_STREAM to the client), not as a close.
        _ = upstream.setOption(.allowRemoteHalfClosure, value: true)
        let (streamGlue, upstreamGlue) = GlueHandler.matchedPair(idleTimeout: idleTimeout)
        let framer = TunnelStreamFramer()
        try sync.addHandler(framer, position: .after(handler))
        try sync.addHandler(streamGlue, position: .after(framer))
        // `:status 200` goes out before any byte the upstream sent after its 101.
        handler.tunnelEstablished(head)
        try UpgradeTunnel.attachUpstream(upstream, glue: upstreamGlue, flushing: stream)
        handler.replayEarlyInput()
        _ = stream.setOption(.autoRead, value: true)
        _ = upstream.setOption(.autoRead, value: true)
        stream.flush()
        upstream.flush()
    }
}
