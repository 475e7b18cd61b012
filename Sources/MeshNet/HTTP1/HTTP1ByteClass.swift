#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte classes of the HTTP/1 grammar (RFC 9110 §5.6, RFC 9112) as bit flags in one 256-entry
/// table, so that the parser checks a byte with one load and a mask instead of a chain of
/// comparisons. The table is allocated once and never freed.
enum HTTP1ByteClass {
    /// tchar: the bytes of a token (method, field name, transfer coding).
    static let token: UInt8 = 1 << 0
    /// A request-target byte: 0x21...0x7E (no space, control, DEL or byte ≥ 0x80).
    static let target: UInt8 = 1 << 1
    /// A field-value, reason-phrase or chunk-extension byte: HTAB, SP, VCHAR, obs-text.
    static let text: UInt8 = 1 << 2
    /// HEXDIG.
    static let hexDigit: UInt8 = 1 << 3
    /// DIGIT.
    static let digit: UInt8 = 1 << 4

    /// The flags of each byte value. Read-only after its one initialisation, hence safe to share.
    nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for byte in 0..<256 {
            table[byte] = flags(of: UInt8(byte))
        }
        return UnsafePointer(table)
    }()

    private static func flags(of byte: UInt8) -> UInt8 {
        var flags: UInt8 = 0
        let isDigit = (0x30...0x39).contains(byte)
        let isAlpha = (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        if isDigit || isAlpha || Array("!#$%&'*+-.^_`|~".utf8).contains(byte) { flags |= token }
        if (0x21...0x7E).contains(byte) { flags |= target }
        if byte == 0x09 || byte == 0x20 || (0x21...0x7E).contains(byte) || byte >= 0x80 { flags |= text }
        if isDigit || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte) { flags |= hexDigit }
        if isDigit { flags |= digit }
        return flags
    }

    /// Whether `byte` has any of `flags`.
    @inline(__always)
    static func test(_ byte: UInt8, _ flags: UInt8) -> Bool {
        table[Int(byte)] & flags != 0
    }

    /// The offset of the first byte in `raw[start..<end]` without any of `flags`, or `end`.
    /// The table is loaded once per span, not once per byte.
    @inline(__always)
    static func span(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ flags: UInt8) -> Int {
        let table = Self.table
        var index = start
        while index < end, table[Int(raw[index])] & flags != 0 { index += 1 }
        return index
    }

    /// `span(raw, start, end, text)`, eight bytes at a time: a word with no byte below 0x20 and
    /// no DEL is all text; a word with one (an HTAB, or a byte to refuse) is checked byte by byte.
    /// Field values are most of a head's bytes, so this is where the head's validation time goes.
    static func textSpan(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        while end - index >= 8 {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let belowSpace = (word &- ones &* 0x20) & ~word & highs
            let del = word ^ (ones &* 0x7F)
            let hasDel = (del &- ones) & ~del & highs
            if belowSpace | hasDel != 0 {
                let stop = span(raw, index, index + 8, text)
                if stop < index + 8 { return stop }
            }
            index += 8
        }
        return span(raw, index, end, text)
    }

    /// The offset of the first LF in `raw` at or after `start`, found with `memchr`.
    static func firstLF(in raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < raw.count, let base = raw.baseAddress else { return nil }
        guard let found = memchr(base + start, 0x0A, raw.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Whether `raw[start..<end]` equals `lowercase` ignoring ASCII case. `lowercase` holds only
    /// lowercase letters and `-`, so that setting bit 0x20 of a byte maps no other byte onto them.
    static func equalsIgnoringCase(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ lowercase: StaticString) -> Bool {
        guard end - start == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<(end - start) where raw[start + index] | 0x20 != expected[index] {
            return false
        }
        return true
    }

    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C

    /// SP or HTAB (OWS, BWS).
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == htab
    }
}
