#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1

/// A final response head whose fields stay the bytes they arrived as: a slice of the upstream
/// connection's input holding the field lines (each with its CRLF; not the blank line), checked
/// by the parser like any other head.
///
/// The proxy forwards such a head to an HTTP/1.1 client by copying those lines, minus the
/// hop-by-hop ones, behind a new status line (`writeForwardedFields`): no string per name and
/// value, no `HTTPHeaders` built, walked and rebuilt per hop. `head()` builds NIO's head for
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
        /// A field the proxy never forwards is present (`Connection`, `Keep-Alive`,
        /// `Proxy-Connection`, `Trailer`, `Transfer-Encoding`, `Upgrade`).
        var hopByHop = false
        /// A field whose handling `HopByHopHeaders` decides from its value: `TE`, or a
        /// `Connection` token other than `close` and `keep-alive` (it names fields to drop too).
        var needsHeaders = false
        /// A `Content-Length` field is present (it frames the response to the client as well).
        var contentLength = false
    }

    /// Whether the upstream connection persists after this response (RFC 9112 §9.3).
    var persists: Bool {
        HTTP1KeepAlive.persists(version: version, close: notes.close, keepAlive: notes.keepAlive)
    }

    /// NIO's head with every field, as the parser builds it for heads it does not keep raw.
    func head() -> HTTPResponseHead {
        var list: [(String, String)] = []
        fields.withUnsafeReadableBytes { raw in
            Self.appendFields(raw, 0, raw.count, to: &list)
        }
        return HTTPResponseHead(version: version, status: status, headers: HTTPHeaders(list))
    }

    /// Appends the fields of the checked field lines in `raw[start..<end]` (each ending in CRLF)
    /// as (name, value) pairs, the value without its surrounding whitespace.
    static func appendFields(
        _ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, to list: inout [(String, String)]
    ) {
        forEachLine(raw, start, end) { lineStart, colon, lineEnd in
            var valueStart = colon + 1
            while valueStart < lineEnd, HTTP1ByteClass.isWhitespace(raw[valueStart]) { valueStart += 1 }
            var valueEnd = lineEnd
            while valueEnd > valueStart, HTTP1ByteClass.isWhitespace(raw[valueEnd - 1]) { valueEnd -= 1 }
            list.append(
                (HTTP1Parser.fieldName(raw, lineStart, colon), HTTP1Parser.string(raw, valueStart, valueEnd)))
        }
    }

    /// Copies the field lines a proxy forwards (all but the hop-by-hop ones) to `buffer`.
    /// Only for heads without `notes.needsHeaders`: their hop-by-hop fields are known by name.
    func writeForwardedFields(into buffer: inout ByteBuffer) {
        precondition(!notes.needsHeaders, "a head whose fields name others goes through HTTPHeaders")
        guard notes.hopByHop else {
            buffer.writeImmutableBuffer(fields)
            return
        }
        fields.withUnsafeReadableBytes { raw in
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: raw.count) { target in
                var written = 0
                Self.forEachLine(raw, 0, raw.count) { lineStart, colon, lineEnd in
                    if Self.isHopByHop(raw, lineStart, colon) { return }
                    let length = lineEnd + 2 - lineStart
                    target.baseAddress!.advanced(by: written).copyMemory(
                        from: raw.baseAddress!.advanced(by: lineStart), byteCount: length)
                    written += length
                }
                return written
            }
        }
    }

    /// Calls `body` with the start, colon and end (the CR) of each line in `raw[start..<end]`.
    @inline(__always)
    private static func forEachLine(
        _ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ body: (Int, Int, Int) -> Void
    ) {
        guard let base = raw.baseAddress else { return }
        var lineStart = start
        while lineStart < end, let lf = HTTP1ByteClass.firstLF(in: raw, from: lineStart), lf < end {
            // A checked line: a token name, then the colon (no colon can come before it).
            let colon = memchr(base + lineStart, Int32(HTTP1ByteClass.colon), lf - lineStart)
                .map { UnsafeRawPointer($0) - base } ?? lf
            body(lineStart, colon, lf - 1)
            lineStart = lf + 1
        }
    }

    /// Whether the name in `raw[start..<end]` is one a proxy never forwards (see `Notes.hopByHop`).
    static func isHopByHop(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        switch end - start {
        case 7:
            return HTTP1ByteClass.equalsIgnoringCase(raw, start, end, "upgrade")
                || HTTP1ByteClass.equalsIgnoringCase(raw, start, end, "trailer")
        case 10:
            return HTTP1ByteClass.equalsIgnoringCase(raw, start, end, "connection")
                || HTTP1ByteClass.equalsIgnoringCase(raw, start, end, "keep-alive")
        case 16:
            return HTTP1ByteClass.equalsIgnoringCase(raw, start, end, "proxy-connection")
        case 17:
            return HTTP1ByteClass.equalsIgnoringCase(raw, start, end, "transfer-encoding")
        default:
            return false
        }
    }
}
