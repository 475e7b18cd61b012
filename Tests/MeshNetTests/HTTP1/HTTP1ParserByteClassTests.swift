import Testing

@testable import MeshNet

/// The byte-class table against the RFC grammar, and the word-at-a-time text scan against the
/// byte-at-a-time one.
@Suite("HTTP1Parser byte classes")
struct HTTP1ParserByteClassTests {
    @Test("each byte's classes follow RFC 9110 and RFC 9112")
    func classes() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
        for value in 0...255 {
            let byte = UInt8(value)
            #expect(HTTP1ByteClass.test(byte, HTTP1ByteClass.token) == tchar.contains(byte), "\(byte)")
            #expect(HTTP1ByteClass.test(byte, HTTP1ByteClass.target) == (0x21...0x7E).contains(byte), "\(byte)")
            let text = byte == 0x09 || (0x20...0x7E).contains(byte) || byte >= 0x80
            #expect(HTTP1ByteClass.test(byte, HTTP1ByteClass.text) == text, "\(byte)")
            #expect(HTTP1ByteClass.test(byte, HTTP1ByteClass.digit) == (0x30...0x39).contains(byte), "\(byte)")
            let hex = (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
            #expect(HTTP1ByteClass.test(byte, HTTP1ByteClass.hexDigit) == hex, "\(byte)")
        }
    }

    @Test("textSpan stops where the byte-at-a-time span stops, for every byte at every position")
    func textSpanAgrees() {
        var mismatches = 0
        for value in 0...255 {
            for position in 0..<20 {
                for fill: UInt8 in [0x61, 0x09, 0xC3] {
                    var bytes = [UInt8](repeating: fill, count: 20)
                    bytes[position] = UInt8(value)
                    bytes.withUnsafeBytes { raw in
                        for start in [0, 3] {
                            let fast = HTTP1ByteClass.textSpan(raw, start, raw.count)
                            let slow = HTTP1ByteClass.span(raw, start, raw.count, HTTP1ByteClass.text)
                            if fast != slow { mismatches += 1 }
                        }
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }
}
