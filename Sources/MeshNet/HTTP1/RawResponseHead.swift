import NIOCore
import NIOHTTP1

/// A final response head whose fields stay the bytes they arrived as: a slice of the upstream
/// connection's input holding the field lines (each with its CRLF; not the blank line), checked
/// by the parser like any other head.
///
/// The proxy forwards such a head to an HTTP/1.1 client by copying those lines, minus the
/// hop-by-hop ones, behind a new status line (`writeForwardedFields`, as `FieldLines.copy`
/// writes them): no string per name and value, no `HTTPHeaders` built, walked and rebuilt per hop. `head()` builds NIO's head for
/// every other use (response header rules, CORS, compression, HTTP/2 clients), with the same
/// fields the string-building parse gives.
///
/// The parser produces one only when asked (`HTTP1Parser.rawResponseHeads`), for a final
/// response whose whole head arrived in one read (a head split across reads is parsed into
/// strings as it arrives, since its first bytes are gone by the time it ends).
struct RawResponseHead {
    var version: HTTPVersion
    var status: HTTPResponseStatus
    /// The field lines, `name: value\r\n` each, as received.
    var fields: ByteBuffer
    /// What the fields say, noted while the parser checked them.
    var notes = Notes()

    struct Notes {
        /// `Connection` tokens: the upstream closes after this response, or (HTTP/1.0) keeps it.
        var close = false
        var keepAlive = false
        /// A field the proxy never forwards is present (`HopByHopHeaders.isAlwaysHopByHop`).
        var hopByHop = false
        /// A field whose handling `HopByHopHeaders` decides from its value: `TE`, or a
        /// `Connection` token other than `close` and `keep-alive` (it names fields to drop too).
        var needsHeaders = false
        /// A `Content-Length` field is present (it frames the response to the client as well).
        var contentLength = false
        /// Every line reads `name: value` already (`FieldLines.Block.canonical`).
        var canonical = false
    }

    /// Whether the upstream connection persists after this response (RFC 9112 §9.3).
    var persists: Bool {
        HTTP1KeepAlive.persists(version: version, close: notes.close, keepAlive: notes.keepAlive)
    }

    /// NIO's head with every field, as the parser builds it for heads it does not keep raw.
    func head() -> HTTPResponseHead {
        var list: [(String, String)] = []
        fields.withUnsafeReadableBytes { raw in
            FieldLines.appendFields(raw, 0, raw.count, to: &list)
        }
        return HTTPResponseHead(version: version, status: status, headers: HTTPHeaders(list))
    }

    /// Copies the field lines a proxy forwards (all but the hop-by-hop ones) to `buffer`.
    /// Only for heads without `notes.needsHeaders`: their hop-by-hop fields are known by name.
    func writeForwardedFields(into buffer: inout ByteBuffer) {
        precondition(!notes.needsHeaders, "a head whose fields name others goes through HTTPHeaders")
        let hopByHop = notes.hopByHop
        if !hopByHop && notes.canonical {
            buffer.writeImmutableBuffer(fields)
            return
        }
        FieldLines.copy(fields, canonical: notes.canonical, into: &buffer) { raw, start, colon in
            !hopByHop || !HopByHopHeaders.isAlwaysHopByHop(raw, start, colon)
        }
    }
}
