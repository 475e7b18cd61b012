import NIOCore
import NIOHTTP1

/// Why bytes could not be parsed: the status a server answers with (400, 431, 501...) and one line for the body and the log.
struct HTTP1ParseError: Error, Equatable, CustomStringConvertible {
    var status: HTTPResponseStatus
    var message: String
    var description: String { message }

    static func badRequest(_ message: String) -> Self {
        Self(status: .badRequest, message: message)
    }

    static let headTooLarge = Self(status: .requestHeaderFieldsTooLarge, message: "request header too large")
    static let tooManyFields = Self(status: .requestHeaderFieldsTooLarge, message: "too many header fields")
}

/// What the parser accepts before it fails.
struct HTTP1ParserLimits: Sendable {
    /// Start line plus header block (up to and including the blank line), bytes. More → 431 "request header too large".
    var maxHeadBytes: Int = 60 * 1024
    /// Header fields in one head, and separately in one trailer section. More → 431 "too many header fields".
    var maxHeaderCount: Int = 100

    init(maxHeadBytes: Int = 60 * 1024, maxHeaderCount: Int = 100) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
    }
}

/// Incremental, strict HTTP/1.x parser (RFC 9112) over one connection's bytes.
///
/// One pass over the bytes: lines are found with `memchr` and checked against byte-class tables
/// (`HTTP1ByteClass`); framing fields are recognised while the field names are scanned; bodies are
/// handed out as slices of the input. A head stays in the caller's buffer until its blank line
/// arrives (the strings are built from it then); the parser remembers how far it has searched, so
/// a head arriving one byte at a time costs O(n), not O(n²). The caller keeps unconsumed bytes and
/// appends new ones after them, as with a cumulation buffer.
///
/// The grammar is the RFC's without the leniencies that let two parsers disagree about where a
/// message ends (request smuggling): CRLF only, no obs-fold, no whitespace before a colon, one
/// `Transfer-Encoding: chunked` or equal plain-digit `Content-Length`s, never both.
///
/// Files: `+Section` finds the lines of a head or trailer section, `+Lines` parses start lines and
/// field lines, `+Framing` decides how a body is delimited, `+Chunked` reads chunked bodies;
/// `HTTP1ByteClass` holds the byte tables.
struct HTTP1Parser {
    enum Kind: Sendable { case request, response }

    enum Event {
        case requestHead(HTTPRequestHead)
        /// Also interim 1xx heads, which have no `.end`.
        case responseHead(HTTPResponseHead)
        /// A final response head kept as its bytes (only with `rawResponseHeads`).
        case rawResponseHead(RawResponseHead)
        /// A zero-copy slice of the input.
        case body(ByteBuffer)
        /// Trailers of a chunked body, nil when none.
        case end(HTTPHeaders?)
    }

    /// Where in a message the parser is.
    enum State {
        /// Reading a start line and header fields (progress in `section`).
        case head
        /// A body of known length: bytes still to come.
        case fixedBody(remaining: Int)
        /// A chunk-size line (with extensions) is next.
        case chunkLine
        /// Inside a chunk's data: bytes still to come.
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data is next.
        case chunkDataEnd
        /// Reading the trailer section after the last chunk (progress in `section`).
        case trailers
        /// A response body that ends when the peer closes.
        case untilClose
        /// The message is complete; `.end` is returned on the next call.
        case end(HTTPHeaders?)
        /// Stopped after an upgrade; further bytes belong to the tunnel.
        case upgraded
        /// A parse error was thrown; it is thrown again.
        case failed(HTTP1ParseError)
    }

    let kind: Kind
    let limits: HTTP1ParserLimits
    /// Responses only: the response that comes next answers a HEAD request, so it has no body whatever its headers say.
    /// The client codec sets it when it sends each request (true for HEAD, false otherwise); reset is the caller's job.
    var nextResponseAnswersHEAD = false
    /// Responses only: a final head that arrives whole in one read comes as `.rawResponseHead`,
    /// its fields left as bytes (see `RawResponseHead`); heads split across reads, and interim
    /// ones, still come as `.responseHead`.
    var rawResponseHeads = false
    /// Requests only: the field lines of a head that arrives whole in one read are also kept,
    /// as a slice of the input, in `requestFields` (the head's fields are strings as always).
    var rawRequestFields = false
    /// The field lines of the last request head, with `rawRequestFields` (nil when it came in
    /// pieces); `takeRequestFields()` hands them over once.
    var requestFields: FieldLines.Block?

    mutating func takeRequestFields() -> FieldLines.Block? {
        requestFields.take()
    }

    // The parser's own state below is internal only so that its extensions in other files can
    // reach it; callers use the API above.
    var state = State.head
    /// The head or trailer section being read.
    var section = Section()
    /// Bytes of the unfinished line (head, trailer or chunk-size line) already searched for its LF.
    var scanned = 0
    /// The message being read is an upgrade (Upgrade field, CONNECT, 101): stop after its `.end`.
    var stopAfterEnd = false

    init(kind: Kind, limits: HTTP1ParserLimits = .init()) {
        self.kind = kind
        self.limits = limits
    }

    /// Parsing stopped after an upgrade: a request carrying an `Upgrade` header field or CONNECT (after its .end), or a
    /// 101 response (after its .end). `next` then returns nil and leaves all further bytes in the buffer (they belong to the tunnel).
    var isUpgraded: Bool {
        if case .upgraded = state { return true }
        return false
    }

    /// Between messages: nothing of the next message consumed yet.
    var isIdle: Bool {
        if case .head = state { return section.isEmpty && scanned == 0 }
        return false
    }

    /// Consumes bytes from `buffer` (moves its reader index) and returns the next event, or nil when more bytes are needed
    /// (or the parser stopped after an upgrade). Call in a loop until nil. Throws on malformed input; after a throw the
    /// parser is unusable (the connection gets closed).
    mutating func next(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> Event? {
        do throws(HTTP1ParseError) {
            return try step(&buffer)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// The peer closed its side. Ends a response body delimited by the connection close (returns .end(nil));
    /// returns nil when idle between messages; throws when a message was cut short.
    mutating func inputClosed() throws(HTTP1ParseError) -> Event? {
        switch state {
        case .untilClose:
            return finishMessage(trailers: nil)
        case .end(let trailers):
            return finishMessage(trailers: trailers)
        case .upgraded:
            return nil
        case .failed(let error):
            throw error
        case .head where isIdle:
            return nil
        case .head, .fixedBody, .chunkLine, .chunkData, .chunkDataEnd, .trailers:
            let error = HTTP1ParseError.badRequest("connection closed in the middle of a message")
            state = .failed(error)
            throw error
        }
    }

    /// One event, or nil when more bytes are needed: states that consume bytes without an event
    /// (a chunk-size line, the CRLF after chunk data) go round the loop.
    private mutating func step(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> Event? {
        while true {
            switch state {
            case .head:
                guard try readSection(&buffer, trailers: false) else { return nil }
                return try finishHead()
            case .fixedBody(let remaining):
                guard let slice = Self.readBody(&buffer, upTo: remaining) else { return nil }
                state = slice.readableBytes == remaining ? .end(nil) : .fixedBody(remaining: remaining - slice.readableBytes)
                return .body(slice)
            case .chunkLine:
                guard let size = try readChunkLine(&buffer) else { return nil }
                if size == 0 {
                    section = Section()
                    state = .trailers
                } else {
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                guard let slice = Self.readBody(&buffer, upTo: remaining) else { return nil }
                state = slice.readableBytes == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - slice.readableBytes)
                return .body(slice)
            case .chunkDataEnd:
                guard try readChunkDataEnd(&buffer) else { return nil }
                state = .chunkLine
            case .trailers:
                guard try readSection(&buffer, trailers: true) else { return nil }
                let fields = section.takeFields()
                return finishMessage(trailers: fields.isEmpty ? nil : HTTPHeaders(fields))
            case .untilClose:
                guard let slice = Self.readBody(&buffer, upTo: buffer.readableBytes) else { return nil }
                return .body(slice)
            case .end(let trailers):
                return finishMessage(trailers: trailers)
            case .upgraded:
                return nil
            case .failed(let error):
                throw error
            }
        }
    }

    /// Up to `limit` readable bytes as a slice of `buffer`, nil when none are readable.
    private static func readBody(_ buffer: inout ByteBuffer, upTo limit: Int) -> ByteBuffer? {
        let length = min(limit, buffer.readableBytes)
        guard length > 0 else { return nil }
        return buffer.readSlice(length: length)
    }

    /// Ends the message: the parser waits for the next head, or stops after an upgrade.
    private mutating func finishMessage(trailers: HTTPHeaders?) -> Event {
        section = Section()
        state = stopAfterEnd ? .upgraded : .head
        stopAfterEnd = false
        return .end(trailers)
    }
}
