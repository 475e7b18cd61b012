import NIOHTTP1

/// RFC 9112 §9.3: whether a connection persists after a message, from its `Connection` tokens.
/// The rule and the token test live here once; the passes that already walk the header fields
/// (`RequestScreen`, `HopByHopHeaders.strip`) note the tokens on the way and ask `persists`.
enum HTTP1KeepAlive {
    /// HTTP/1.1 persists unless a `close` token says otherwise; HTTP/1.0 only with `keep-alive`.
    static func persists(version: HTTPVersion, close: Bool, keepAlive: Bool) -> Bool {
        version.major == 1 && version.minor == 0 ? keepAlive && !close : !close
    }

    /// Notes `token` (one element of a `Connection` value) when it is `close` or `keep-alive`;
    /// false for any other token.
    /// (A token's bytes are a checked field value's: no CR, the one byte the comparison's
    /// `| 0x20` would turn into `-`.)
    @discardableResult
    static func note(_ token: UnsafeRawBufferPointer, close: inout Bool, keepAlive: inout Bool) -> Bool {
        if HTTP1ByteClass.equalsIgnoringCase(token, 0, token.count, "close") {
            close = true
        } else if HTTP1ByteClass.equalsIgnoringCase(token, 0, token.count, "keep-alive") {
            keepAlive = true
        } else {
            return false
        }
        return true
    }

    /// The same, reading `headers` for a message no other pass walks (a mirrored response).
    static func persists(version: HTTPVersion, headers: HTTPHeaders) -> Bool {
        var close = false
        var keepAlive = false
        for (name, value) in headers
        where name.utf8.count == 10 && ASCII.equalsIgnoringCase(name.utf8, "connection".utf8) {
            ASCII.forEachListElement(value) { note($0, close: &close, keepAlive: &keepAlive) }
        }
        return persists(version: version, close: close, keepAlive: keepAlive)
    }
}
