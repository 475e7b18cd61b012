#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOHTTP1

extension HTTP1Parser {
    /// Parses a request line (`method SP request-target SP HTTP-version`) or a status line
    /// (`HTTP-version SP 3DIGIT [SP reason-phrase]`) in `raw[start..<end]` (without its CRLF).
    mutating func parseStartLine(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HTTP1ParseError? {
        switch kind {
        case .request: parseRequestLine(raw, start, end)
        case .response: parseStatusLine(raw, start, end)
        }
    }

    private mutating func parseRequestLine(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HTTP1ParseError? {
        var index = HTTP1ByteClass.span(raw, start, end, HTTP1ByteClass.token)
        guard index > start, index < end, raw[index] == HTTP1ByteClass.space else {
            return .badRequest("invalid method in the request line")
        }
        let methodEnd = index
        index += 1
        let targetStart = index
        index = HTTP1ByteClass.span(raw, targetStart, end, HTTP1ByteClass.target)
        guard index > targetStart, index < end, raw[index] == HTTP1ByteClass.space else {
            return .badRequest("invalid request target")
        }
        let targetEnd = index
        guard end - (index + 1) == 8, let version = Self.version(raw, index + 1) else {
            return .badRequest("invalid HTTP version in the request line")
        }
        section.start = .request(
            Self.method(raw, start, methodEnd),
            uri: Self.string(raw, targetStart, targetEnd),
            version
        )
        return nil
    }

    private mutating func parseStatusLine(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HTTP1ParseError? {
        guard end - start >= 12, let version = Self.version(raw, start), raw[start + 8] == HTTP1ByteClass.space else {
            return .badRequest("invalid status line")
        }
        var code = 0
        for index in (start + 9)..<(start + 12) {
            let byte = raw[index]
            guard HTTP1ByteClass.test(byte, HTTP1ByteClass.digit) else { return .badRequest("invalid status code") }
            code = code * 10 + Int(byte &- 0x30)
        }
        guard code >= 100 else { return .badRequest("invalid status code") }
        var reasonStart = start + 12
        if reasonStart < end {
            guard raw[reasonStart] == HTTP1ByteClass.space else { return .badRequest("invalid status code") }
            reasonStart += 1
            guard HTTP1ByteClass.textSpan(raw, reasonStart, end) == end else {
                return .badRequest("invalid reason phrase")
            }
        }
        // Known codes have their own case and ignore the phrase: build it only for the others.
        var status = HTTPResponseStatus(statusCode: code)
        if case .custom = status, reasonStart < end {
            status = HTTPResponseStatus(statusCode: code, reasonPhrase: Self.string(raw, reasonStart, end))
        }
        section.start = .response(version, status)
        return nil
    }

    /// Parses a field line (`field-name ":" OWS field-value OWS`) in `raw[start..<end]` (without
    /// its CRLF, not empty), noting framing fields of a head.
    mutating func parseField(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, trailers: Bool) -> HTTP1ParseError? {
        if HTTP1ByteClass.isWhitespace(raw[start]) {
            return .badRequest("obsolete line folding in a header field")
        }
        let index = HTTP1ByteClass.span(raw, start, end, HTTP1ByteClass.token)
        guard index < end, raw[index] == HTTP1ByteClass.colon else {
            if index == end { return .badRequest("header line without a colon") }
            if HTTP1ByteClass.isWhitespace(raw[index]) { return .badRequest("whitespace in or after a header field name") }
            return .badRequest("invalid character in a header field name")
        }
        guard index > start else { return .badRequest("empty header field name") }
        let nameEnd = index
        var valueStart = nameEnd + 1
        while valueStart < end, HTTP1ByteClass.isWhitespace(raw[valueStart]) { valueStart += 1 }
        var valueEnd = end
        while valueEnd > valueStart, HTTP1ByteClass.isWhitespace(raw[valueEnd - 1]) { valueEnd -= 1 }
        guard HTTP1ByteClass.textSpan(raw, valueStart, valueEnd) == valueEnd else {
            return .badRequest("invalid character in a header field value")
        }
        guard section.fieldCount < limits.maxHeaderCount else { return .tooManyFields }
        section.fieldCount += 1
        if !trailers, let error = noteFraming(raw, start, nameEnd, valueStart, valueEnd) {
            return error
        }
        if section.raw
            && !(valueStart == nameEnd + 2 && valueEnd == end && raw[nameEnd + 1] == HTTP1ByteClass.space)
        {
            section.canonical = false
        }
        if section.raw && kind == .response {
            noteForwarding(raw, start, nameEnd, valueStart, valueEnd)
            return nil
        }
        if section.fields.capacity == 0 { section.fields.reserveCapacity(16) }
        section.fields.append((Self.fieldName(raw, start, nameEnd), Self.string(raw, valueStart, valueEnd)))
        return nil
    }

    /// The field name in `raw[start..<end]`: a string literal when it is one most messages carry,
    /// spelled as common clients and servers send it (no decoding and validating of its bytes),
    /// else a new string.
    static func fieldName(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        let length = end - start
        guard length >= 4, length <= 15 else { return string(raw, start, end) }
        @inline(__always)
        func spells(_ literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == length && memcmp(raw.baseAddress! + start, literal.utf8Start, length) == 0
        }
        switch (length, raw[start]) {
        case (4, UInt8(ascii: "H")): if spells("Host") { return "Host" }
        case (4, UInt8(ascii: "h")): if spells("host") { return "host" }
        case (4, UInt8(ascii: "D")): if spells("Date") { return "Date" }
        case (6, UInt8(ascii: "S")): if spells("Server") { return "Server" }
        case (6, UInt8(ascii: "A")): if spells("Accept") { return "Accept" }
        case (6, UInt8(ascii: "a")): if spells("accept") { return "accept" }
        case (10, UInt8(ascii: "C")): if spells("Connection") { return "Connection" }
        case (10, UInt8(ascii: "c")): if spells("connection") { return "connection" }
        case (10, UInt8(ascii: "U")): if spells("User-Agent") { return "User-Agent" }
        case (10, UInt8(ascii: "u")): if spells("user-agent") { return "user-agent" }
        case (12, UInt8(ascii: "C")): if spells("Content-Type") { return "Content-Type" }
        case (12, UInt8(ascii: "c")): if spells("content-type") { return "content-type" }
        case (13, UInt8(ascii: "C")): if spells("Cache-Control") { return "Cache-Control" }
        case (13, UInt8(ascii: "L")): if spells("Last-Modified") { return "Last-Modified" }
        case (14, UInt8(ascii: "C")): if spells("Content-Length") { return "Content-Length" }
        case (14, UInt8(ascii: "c")): if spells("content-length") { return "content-length" }
        case (15, UInt8(ascii: "A")): if spells("Accept-Encoding") { return "Accept-Encoding" }
        case (15, UInt8(ascii: "a")): if spells("accept-encoding") { return "accept-encoding" }
        default: break
        }
        return string(raw, start, end)
    }

    /// `HTTP/` DIGIT `.` DIGIT at `raw[start..<start + 8]` (the caller checked there are 8 bytes).
    private static func version(_ raw: UnsafeRawBufferPointer, _ start: Int) -> HTTPVersion? {
        let prefix: StaticString = "HTTP/"
        for index in 0..<5 where raw[start + index] != prefix.utf8Start[index] { return nil }
        let major = raw[start + 5]
        let minor = raw[start + 7]
        guard HTTP1ByteClass.test(major, HTTP1ByteClass.digit), raw[start + 6] == 0x2E,
            HTTP1ByteClass.test(minor, HTTP1ByteClass.digit)
        else { return nil }
        return HTTPVersion(major: Int(major &- 0x30), minor: Int(minor &- 0x30))
    }

    /// The method of `raw[start..<end]`, without building a string for GET and POST.
    private static func method(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> HTTPMethod {
        switch end - start {
        case 3 where raw[start] == 0x47 && raw[start + 1] == 0x45 && raw[start + 2] == 0x54:
            return .GET
        case 4 where raw[start] == 0x50 && raw[start + 1] == 0x4F && raw[start + 2] == 0x53 && raw[start + 3] == 0x54:
            return .POST
        default:
            return HTTPMethod(rawValue: string(raw, start, end))
        }
    }

    /// `raw[start..<end]` as a string (validated bytes; obs-text decodes with replacement characters).
    @inline(__always)
    static func string(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<end]), as: UTF8.self)
    }
}
