import NIOHTTP1

/// RFC 9112 §9.3: whether a connection persists after a message, read from its `Connection`
/// fields in one pass over their bytes. NIO's `isKeepAlive` does the same work through generic
/// token splitting, unless its own parser cached the answer, which the engine's parser cannot.
enum HTTP1KeepAlive {
    /// HTTP/1.1 persists unless a `close` token says otherwise; HTTP/1.0 only with `keep-alive`.
    static func persists(version: HTTPVersion, headers: HTTPHeaders) -> Bool {
        var close = false
        var keepAlive = false
        for (name, value) in headers
        where name.utf8.count == 10 && ASCII.equalsIgnoringCase(name.utf8, "connection".utf8) {
            ASCII.forEachListElement(value) { token in
                if ASCII.equalsIgnoringCase(token, "close".utf8) {
                    close = true
                } else if ASCII.equalsIgnoringCase(token, "keep-alive".utf8) {
                    keepAlive = true
                }
            }
        }
        if version.major == 1 && version.minor == 0 { return keepAlive && !close }
        return !close
    }
}
