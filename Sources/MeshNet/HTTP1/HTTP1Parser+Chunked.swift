import NIOCore

extension HTTP1Parser {
    /// Longest chunk-size line accepted (size and extensions, without CRLF): extensions are
    /// skipped, not parsed, so this bounds what a peer can make us scan.
    static let maxChunkLineBytes = 4096

    /// What one look at a chunk-size line found.
    private struct ChunkLine {
        var size: Int?
        var consumed = 0
        var error: HTTP1ParseError?
    }

    /// Reads a chunk-size line (`1*HEXDIG [BWS ";" chunk-ext] CRLF`) once it has arrived.
    /// - Returns: the chunk size, or nil when the line is incomplete.
    mutating func readChunkLine(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> Int? {
        let line = buffer.withUnsafeReadableBytes { raw in
            self.scanChunkLine(raw)
        }
        buffer.moveReaderIndex(forwardBy: line.consumed)
        if let error = line.error { throw error }
        return line.size
    }

    private mutating func scanChunkLine(_ raw: UnsafeRawBufferPointer) -> ChunkLine {
        guard let lf = HTTP1ByteClass.firstLF(in: raw, from: scanned) else {
            scanned = raw.count
            if raw.count > Self.maxChunkLineBytes + 1 {
                return ChunkLine(error: .badRequest("chunk extension too long"))
            }
            if raw.count > 0, !HTTP1ByteClass.test(raw[0], HTTP1ByteClass.hexDigit) {
                return ChunkLine(error: .badRequest("invalid chunk size"))
            }
            return ChunkLine()
        }
        scanned = 0
        guard lf > 0, raw[lf - 1] == HTTP1ByteClass.cr else {
            return ChunkLine(error: .badRequest("chunk size line ending without CR"))
        }
        let end = lf - 1
        guard end <= Self.maxChunkLineBytes else { return ChunkLine(error: .badRequest("chunk extension too long")) }
        var index = HTTP1ByteClass.span(raw, 0, end, HTTP1ByteClass.hexDigit)
        guard index > 0 else { return ChunkLine(error: .badRequest("invalid chunk size")) }
        guard index <= 16 else { return ChunkLine(error: .badRequest("chunk size too large")) }
        var size: UInt64 = 0
        for digit in 0..<index {
            let byte = raw[digit]
            size = size << 4 | UInt64(byte <= 0x39 ? byte &- 0x30 : (byte | 0x20) &- 0x57)
        }
        guard size <= UInt64(Int.max) else { return ChunkLine(error: .badRequest("chunk size too large")) }
        if index < end {
            while index < end, HTTP1ByteClass.isWhitespace(raw[index]) { index += 1 }
            guard index < end, raw[index] == HTTP1ByteClass.semicolon else {
                return ChunkLine(error: .badRequest("invalid chunk size"))
            }
            guard HTTP1ByteClass.textSpan(raw, index + 1, end) == end else {
                return ChunkLine(error: .badRequest("invalid chunk extension"))
            }
        }
        return ChunkLine(size: Int(size), consumed: lf + 1)
    }

    /// Reads the CRLF that must follow a chunk's data.
    /// - Returns: false when it has not fully arrived.
    mutating func readChunkDataEnd(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> Bool {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return false }
        guard first == HTTP1ByteClass.cr else { throw .badRequest("chunk data not followed by CRLF") }
        guard let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return false }
        guard second == HTTP1ByteClass.lf else { throw .badRequest("chunk data not followed by CRLF") }
        buffer.moveReaderIndex(forwardBy: 2)
        return true
    }
}
