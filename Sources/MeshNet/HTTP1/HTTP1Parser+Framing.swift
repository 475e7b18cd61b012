import NIOHTTP1

extension HTTP1Parser {
    /// Notes what a head's field says about framing (RFC 9112 §6), recognising the name by its
    /// bytes without building a lowercased copy.
    mutating func noteFraming(
        _ raw: UnsafeRawBufferPointer, _ nameStart: Int, _ nameEnd: Int, _ valueStart: Int, _ valueEnd: Int
    ) -> HTTP1ParseError? {
        switch nameEnd - nameStart {
        case 14 where HTTP1ByteClass.equalsIgnoringCase(raw, nameStart, nameEnd, "content-length"):
            guard let length = Self.contentLength(raw, valueStart, valueEnd) else {
                return .badRequest("invalid Content-Length")
            }
            if let previous = section.contentLength, previous != length {
                return .badRequest("conflicting Content-Length fields")
            }
            section.contentLength = length
        case 17 where HTTP1ByteClass.equalsIgnoringCase(raw, nameStart, nameEnd, "transfer-encoding"):
            section.transferEncodings += 1
            switch kind {
            case .request:
                section.chunked = HTTP1ByteClass.equalsIgnoringCase(raw, valueStart, valueEnd, "chunked")
            case .response:
                var codingStart = valueEnd
                while codingStart > valueStart, raw[codingStart - 1] != HTTP1ByteClass.comma { codingStart -= 1 }
                while codingStart < valueEnd, HTTP1ByteClass.isWhitespace(raw[codingStart]) { codingStart += 1 }
                section.chunked = HTTP1ByteClass.equalsIgnoringCase(raw, codingStart, valueEnd, "chunked")
            }
        case 7 where HTTP1ByteClass.equalsIgnoringCase(raw, nameStart, nameEnd, "upgrade"):
            section.upgrade = true
        default:
            break
        }
        return nil
    }

    /// Notes what a raw head's field means to a proxy forwarding it (`RawResponseHead.Notes`).
    mutating func noteForwarding(
        _ raw: UnsafeRawBufferPointer, _ nameStart: Int, _ nameEnd: Int, _ valueStart: Int, _ valueEnd: Int
    ) {
        let length = nameEnd - nameStart
        guard length == 2 || length == 7 || length == 10 || length == 16 || length == 17 else { return }
        if length == 2 {
            if HTTP1ByteClass.equalsIgnoringCase(raw, nameStart, nameEnd, "te") { section.rawNotes.needsHeaders = true }
            return
        }
        guard HopByHopHeaders.isAlwaysHopByHop(raw, nameStart, nameEnd) else { return }
        section.rawNotes.hopByHop = true
        guard HTTP1ByteClass.equalsIgnoringCase(raw, nameStart, nameEnd, "connection") else { return }
        var notes = section.rawNotes
        ASCII.forEachListElement(raw, valueStart, valueEnd) { token in
            if !HTTP1KeepAlive.note(token, close: &notes.close, keepAlive: &notes.keepAlive) { notes.needsHeaders = true }
        }
        section.rawNotes = notes
    }

    /// 1*DIGIT of at most 18 digits (so that it cannot overflow), nil otherwise.
    private static func contentLength(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        guard end > start, end - start <= 18, HTTP1ByteClass.span(raw, start, end, HTTP1ByteClass.digit) == end else {
            return nil
        }
        var length = 0
        for index in start..<end { length = length * 10 + Int(raw[index] &- 0x30) }
        return length
    }

    /// The head is complete: decides how its body is delimited and returns its event.
    mutating func finishHead() throws(HTTP1ParseError) -> Event {
        // Moved out, not copied: a copy retains every field and string it holds.
        var head = Section()
        swap(&head, &section)
        let fields = head.takeFields()
        switch head.start {
        case .request(let method, let uri, let version):
            state = try requestBody(head, version)
            // A CONNECT request has no content (RFC 9110 §9.3.6): what follows its head is the
            // tunnel's. Framing fields on one leave two readers disagreeing about where the
            // tunnel starts (NIOHTTP1 starts it at once), so they are refused, not obeyed.
            if method.isCONNECT, head.transferEncodings > 0 || (head.contentLength ?? 0) > 0 {
                throw .badRequest("CONNECT with a body")
            }
            stopAfterEnd = head.upgrade || method.isCONNECT
            requestFields = head.raw ? head.rawFields.map { FieldLines.Block(bytes: $0, canonical: head.canonical) } : nil
            return .requestHead(HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(fields)))
        case .response(let version, let status):
            state = try responseBody(head, version, status.code)
            if head.raw, let bytes = head.rawFields {
                var notes = head.rawNotes
                notes.contentLength = head.contentLength != nil
                notes.canonical = head.canonical
                let raw = RawResponseHead(version: version, status: status, fields: bytes, notes: notes)
                // Interim heads and 101 are rare and handled apart: they go as NIO's heads.
                return status.code >= 200 ? .rawResponseHead(raw) : .responseHead(raw.head())
            }
            return .responseHead(HTTPResponseHead(version: version, status: status, headers: HTTPHeaders(fields)))
        case nil:
            throw .badRequest("message head without a start line")
        }
    }

    /// Request framing (RFC 9112 §6.1-6.3), with no leniency: one `Transfer-Encoding: chunked`
    /// on HTTP/1.1+, or equal Content-Lengths, never both; neither means no body.
    private func requestBody(_ head: Section, _ version: HTTPVersion) throws(HTTP1ParseError) -> State {
        if head.transferEncodings > 0 {
            if head.contentLength != nil { throw .badRequest("both Transfer-Encoding and Content-Length") }
            if head.transferEncodings > 1 || !head.chunked { throw .badRequest("unsupported Transfer-Encoding") }
            if version.major < 1 || (version.major == 1 && version.minor == 0) {
                throw .badRequest("Transfer-Encoding in an HTTP/1.0 request")
            }
            return .chunkLine
        }
        if let length = head.contentLength, length > 0 { return .fixedBody(remaining: length) }
        return .end(nil)
    }

    /// Response framing (RFC 9112 §6.3). Interim 1xx heads leave the parser waiting for the final
    /// head; 101 ends the message and stops the parser. Ambiguous framing (Transfer-Encoding with
    /// Content-Length, or on HTTP/1.0) is refused rather than guessed.
    private mutating func responseBody(_ head: Section, _ version: HTTPVersion, _ code: UInt) throws(HTTP1ParseError) -> State {
        if code == 101 {
            stopAfterEnd = true
            return .end(nil)
        }
        if code < 200 { return .head }
        if head.transferEncodings > 0 {
            if head.contentLength != nil { throw .badRequest("both Transfer-Encoding and Content-Length") }
            if version.major < 1 || (version.major == 1 && version.minor == 0) {
                throw .badRequest("Transfer-Encoding in an HTTP/1.0 response")
            }
        }
        if nextResponseAnswersHEAD || code == 204 || code == 304 { return .end(nil) }
        if head.transferEncodings > 0 { return head.chunked ? .chunkLine : .untilClose }
        if let length = head.contentLength { return length > 0 ? .fixedBody(remaining: length) : .end(nil) }
        return .untilClose
    }
}
