#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Field lines kept as the bytes they arrived in (`name: value\r\n` each, checked by
/// `HTTP1Parser`), read and copied without turning them into strings.
enum FieldLines {
    /// A head's field lines as a slice of the input, and whether each already reads
    /// `name: value` (one space after the colon, no whitespace after the value).
    struct Block {
        var bytes: ByteBuffer
        var canonical: Bool
    }

    /// Calls `body` with the start, colon and end (the CR) of each line in `raw[start..<end]`.
    @inline(__always)
    static func forEachLine(
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

    /// The value of a line as `[start, end)`: without the whitespace around it.
    @inline(__always)
    static func value(_ raw: UnsafeRawBufferPointer, _ colon: Int, _ lineEnd: Int) -> (start: Int, end: Int) {
        var start = colon + 1
        while start < lineEnd, HTTP1ByteClass.isWhitespace(raw[start]) { start += 1 }
        var end = lineEnd
        while end > start, HTTP1ByteClass.isWhitespace(raw[end - 1]) { end -= 1 }
        return (start, end)
    }

    /// The (name, value) of a line, as the parser builds them for heads it keeps as strings.
    static func field(_ raw: UnsafeRawBufferPointer, _ lineStart: Int, _ colon: Int, _ lineEnd: Int) -> (String, String) {
        let value = value(raw, colon, lineEnd)
        return (HTTP1Parser.fieldName(raw, lineStart, colon), HTTP1Parser.string(raw, value.start, value.end))
    }

    /// Appends the fields of the lines in `raw[start..<end]` as (name, value) pairs.
    static func appendFields(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, to list: inout [(String, String)]) {
        forEachLine(raw, start, end) { lineStart, colon, lineEnd in
            list.append(field(raw, lineStart, colon, lineEnd))
        }
    }

    /// Writes the lines `keep` accepts (given the bytes, the line's start and its colon) to
    /// `buffer` as `name: value\r\n`, the value without the whitespace around it: byte for byte
    /// what `HTTP1Serializer.writeFields` writes for the same fields. A line already written so
    /// (nearly all; every one when the parser found the section `canonical`) is copied whole.
    static func copy(
        _ lines: ByteBuffer, canonical: Bool, into buffer: inout ByteBuffer,
        keep: (UnsafeRawBufferPointer, Int, Int) -> Bool
    ) {
        lines.withUnsafeReadableBytes { raw in
            // A line grows by at most one byte (the space after the colon), and is 4 bytes or more.
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: raw.count + raw.count / 4 + 1) { target in
                guard let source = raw.baseAddress, let base = target.baseAddress else { return 0 }
                var written = 0
                forEachLine(raw, 0, raw.count) { lineStart, colon, lineEnd in
                    guard keep(raw, lineStart, colon) else { return }
                    if canonical {
                        let length = lineEnd + 2 - lineStart
                        (base + written).copyMemory(from: source + lineStart, byteCount: length)
                        written += length
                        return
                    }
                    let value = value(raw, colon, lineEnd)
                    if value.start == colon + 2 && raw[colon + 1] == HTTP1ByteClass.space && value.end == lineEnd {
                        let length = lineEnd + 2 - lineStart
                        (base + written).copyMemory(from: source + lineStart, byteCount: length)
                        written += length
                        return
                    }
                    (base + written).copyMemory(from: source + lineStart, byteCount: colon - lineStart)
                    written += colon - lineStart
                    (base + written).storeBytes(of: HTTP1ByteClass.colon, as: UInt8.self)
                    (base + written + 1).storeBytes(of: HTTP1ByteClass.space, as: UInt8.self)
                    written += 2
                    (base + written).copyMemory(from: source + value.start, byteCount: value.end - value.start)
                    written += value.end - value.start
                    (base + written).storeBytes(of: HTTP1ByteClass.cr, as: UInt8.self)
                    (base + written + 1).storeBytes(of: HTTP1ByteClass.lf, as: UInt8.self)
                    written += 2
                }
                return written
            }
        }
    }
}
