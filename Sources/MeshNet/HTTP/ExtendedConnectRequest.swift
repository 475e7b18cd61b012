import NIOHPACK

/// What the gateway makes of the first HEADERS of an HTTP/2 stream, judged before NIO's HTTP/1
/// view of the stream sees it (that codec drops `:protocol` and fails a plain CONNECT, which has
/// no `:path`, with a stream reset instead of an answer).
///
/// - An ordinary request passes through untouched.
/// - `:method CONNECT` with `:protocol websocket` (RFC 8441) becomes the HTTP/1.1 handshake the
///   upstream expects: `:method GET` for the same `:path`, `:authority` and `:scheme`, plus
///   `Upgrade: websocket`, `Connection: upgrade`, a fresh `Sec-WebSocket-Key` and
///   `Sec-WebSocket-Version: 13`. The client's `sec-websocket-protocol`/`-extensions` stay.
///   From there the request is routed, authorized and logged as any GET.
/// - Any other CONNECT is answered here: the gateway tunnels only WebSocket.
enum ExtendedConnectRequest {
    case ordinary
    case webSocket(HPACKHeaders, WebSocketHandshakeKey)
    case refused(status: Int, message: String)

    static func classify(_ headers: HPACKHeaders, key makeKey: () -> WebSocketHandshakeKey = { .fresh() })
        -> ExtendedConnectRequest
    {
        guard headers.first(name: ":method") == "CONNECT" else { return .ordinary }
        guard let protocolName = headers.first(name: ":protocol") else {
            return .refused(
                status: 405,
                message: "CONNECT is not supported: the gateway tunnels only WebSocket (RFC 8441, :protocol websocket)\n")
        }
        guard ASCII.equalsIgnoringCase(protocolName.utf8, "websocket".utf8) else {
            return .refused(
                status: 400, message: "CONNECT with :protocol \(protocolName) is not supported, only websocket\n")
        }
        let key = makeKey()
        var rewritten = HPACKHeaders()
        rewritten.reserveCapacity(headers.count + 4)
        for (name, value, indexing) in headers {
            switch name {
            case ":method": rewritten.add(name: name, value: "GET", indexing: indexing)
            case ":protocol", "sec-websocket-key", "sec-websocket-version": continue
            default: rewritten.add(name: name, value: value, indexing: indexing)
            }
        }
        rewritten.add(name: "upgrade", value: "websocket")
        rewritten.add(name: "connection", value: "upgrade")
        rewritten.add(name: "sec-websocket-key", value: key.key, indexing: .neverIndexed)
        rewritten.add(name: "sec-websocket-version", value: "13")
        return .webSocket(rewritten, key)
    }
}
