import NIOCore
import NIOHTTP1

extension HTTP1Parser {
    /// The parsed start line of a head.
    enum StartLine {
        case request(HTTPMethod, uri: String, HTTPVersion)
        case response(HTTPVersion, HTTPResponseStatus)
    }

    /// A head (start line and fields) or a trailer section being read, with what its fields say
    /// about framing, gathered while they are scanned.
    struct Section {
        var start: StartLine?
        var fields: [(String, String)] = []
        /// Bytes of the section consumed so far (complete lines with their CRLF).
        var bytes = 0
        /// Empty lines skipped before a request line.
        var emptyLines = 0
        /// The value of the Content-Length fields (all equal), nil when there is none.
        var contentLength: Int?
        /// Transfer-Encoding fields seen.
        var transferEncodings = 0
        /// Requests: the Transfer-Encoding value is exactly `chunked`. Responses: its last coding is `chunked`.
        var chunked = false
        /// An Upgrade field is present.
        var upgrade = false
        /// Field lines checked so far (in `fields`, or left in the bytes of a raw head).
        var fieldCount = 0
        /// A head whose field lines are kept as bytes: `rawFields` holds them once it ends. A
        /// response's fields are then checked and noted but not turned into strings
        /// (`HTTP1Parser.rawResponseHeads`); a request's are both (`rawRequestFields`).
        var raw = false
        var rawNotes = RawResponseHead.Notes()
        /// Every field line so far reads `name: value` (one space after the colon, no
        /// whitespace after the value): a copy of the lines needs no rewriting.
        var canonical = true
        var rawFields: ByteBuffer?

        /// Nothing of the section read yet.
        var isEmpty: Bool { start == nil && bytes == 0 && fields.isEmpty }

        /// The fields, leaving an empty list behind (no copy of the array).
        mutating func takeFields() -> [(String, String)] {
            var taken: [(String, String)] = []
            swap(&taken, &fields)
            return taken
        }
    }

    /// What one pass over the readable bytes of a section found.
    struct LineScan {
        /// Bytes of complete lines to consume.
        var consumed: Int
        /// The section's blank line was reached.
        var complete = false
        var error: HTTP1ParseError?
        /// A raw head's field lines in the scanned bytes, once it is complete.
        var rawFields: Range<Int>?
    }

    /// Input storage up to this size may be shared by a head's field lines (`rawFields`).
    static let maxSharedStorage = 16 * 1024

    /// Empty lines tolerated before a request line (RFC 9112 §2.2).
    static let maxLeadingEmptyLines = 4

    /// Reads the lines of a head or trailer section that have arrived, consuming complete lines.
    /// - Returns: true once the section's blank line has been consumed.
    mutating func readSection(_ buffer: inout ByteBuffer, trailers: Bool) throws(HTTP1ParseError) -> Bool {
        let scan = buffer.withUnsafeReadableBytes { raw in
            self.scanLines(raw, trailers: trailers)
        }
        if let range = scan.rawFields, var lines = buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count) {
            // A slice shares the input's storage for as long as the head is kept (a request's,
            // until its exchange ends): a head read into a large buffer (after a large body on
            // the connection) is copied, so that a slow request holds its own bytes only.
            if buffer.storageCapacity > Self.maxSharedStorage {
                var copy = ByteBufferAllocator().buffer(capacity: lines.readableBytes)
                copy.writeBuffer(&lines)
                lines = copy
            }
            section.rawFields = lines
        }
        buffer.moveReaderIndex(forwardBy: scan.consumed)
        if let error = scan.error { throw error }
        return scan.complete
    }

    /// Finds and parses the complete lines in `raw`, resuming the search for an LF where the
    /// previous call stopped.
    private mutating func scanLines(_ raw: UnsafeRawBufferPointer, trailers: Bool) -> LineScan {
        var offset = 0
        // A head that starts in these bytes may keep its field lines as bytes (if it also ends
        // in them); `fieldsStart` is where they begin.
        if (kind == .response ? rawResponseHeads : rawRequestFields) && !trailers && section.isEmpty && scanned == 0 {
            section.raw = true
        }
        var fieldsStart = 0
        while true {
            guard let lf = HTTP1ByteClass.firstLF(in: raw, from: offset + scanned) else {
                if section.raw {
                    // The head goes on in a later read, when these bytes are gone: its fields
                    // so far become strings now, and so do the rest as they come.
                    section.raw = false
                    if kind == .response && section.fieldCount > 0 {
                        FieldLines.appendFields(raw, fieldsStart, offset, to: &section.fields)
                    }
                }
                scanned = raw.count - offset
                if section.bytes + scanned > limits.maxHeadBytes {
                    return LineScan(consumed: offset, error: .headTooLarge)
                }
                if !trailers, section.start == nil, let error = checkStartLinePrefix(raw, offset) {
                    return LineScan(consumed: offset, error: error)
                }
                return LineScan(consumed: offset)
            }
            scanned = 0
            guard lf > offset, raw[lf - 1] == HTTP1ByteClass.cr else {
                return LineScan(consumed: offset, error: .badRequest("line ending without CR in the message head"))
            }
            let end = lf - 1
            let readingStart = !trailers && section.start == nil
            if end == offset && readingStart {
                guard kind == .request, section.emptyLines < Self.maxLeadingEmptyLines else {
                    return LineScan(consumed: offset, error: .badRequest("empty line before the start line"))
                }
                section.emptyLines += 1
                offset = lf + 1
                continue
            }
            section.bytes += lf + 1 - offset
            if section.bytes > limits.maxHeadBytes {
                return LineScan(consumed: offset, error: .headTooLarge)
            }
            if end == offset {
                return LineScan(consumed: lf + 1, complete: true, rawFields: section.raw ? fieldsStart..<offset : nil)
            }
            let error = readingStart ? parseStartLine(raw, offset, end) : parseField(raw, offset, end, trailers: trailers)
            if let error {
                return LineScan(consumed: offset, error: error)
            }
            offset = lf + 1
            if readingStart { fieldsStart = offset }
        }
    }

    /// Refuses a start line early by its first bytes, so that garbage is answered before a whole
    /// line of it arrives: a request begins with a token byte (or the CR of an empty line), a
    /// response with `HTTP/`.
    private func checkStartLinePrefix(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> HTTP1ParseError? {
        guard offset < raw.count else { return nil }
        switch kind {
        case .request:
            let first = raw[offset]
            if first == HTTP1ByteClass.cr || HTTP1ByteClass.test(first, HTTP1ByteClass.token) { return nil }
            return .badRequest("invalid method in the request line")
        case .response:
            let prefix: StaticString = "HTTP/"
            let count = min(raw.count - offset, prefix.utf8CodeUnitCount)
            for index in 0..<count where raw[offset + index] != prefix.utf8Start[index] {
                return .badRequest("invalid status line")
            }
            return nil
        }
    }
}
