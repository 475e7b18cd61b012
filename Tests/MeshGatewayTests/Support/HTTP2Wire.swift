/// HTTP/2 frames written by hand (RFC 9113, HPACK RFC 7541 without Huffman), so that an abuse test
/// sends exactly the bytes a hostile client would — frames no well-behaved client library makes.
enum HTTP2Wire {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum FrameType: UInt8 {
        case data = 0, headers = 1, priority = 2, rstStream = 3, settings = 4, pushPromise = 5, ping = 6, goAway = 7
        case windowUpdate = 8, continuation = 9
    }

    static let endStream: UInt8 = 0x1
    static let ack: UInt8 = 0x1
    static let endHeaders: UInt8 = 0x4

    static func frame(_ type: FrameType, flags: UInt8 = 0, stream: UInt32 = 0, _ payload: [UInt8] = []) -> [UInt8] {
        frame(rawType: type.rawValue, flags: flags, stream: stream, length: payload.count) + payload
    }

    /// A frame header that claims `length` bytes (which need not follow).
    static func frame(rawType: UInt8, flags: UInt8, stream: UInt32, length: Int) -> [UInt8] {
        [UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff), rawType, flags]
            + bigEndian(stream & 0x7fff_ffff)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    /// The client's opening: preface and a SETTINGS frame (`settings` as identifier/value pairs).
    static func opening(settings: [(UInt16, UInt32)] = []) -> [UInt8] {
        var payload: [UInt8] = []
        for (identifier, value) in settings {
            payload += [UInt8(identifier >> 8), UInt8(identifier & 0xff)] + bigEndian(value)
        }
        return preface + frame(.settings, payload)
    }

    static let settingsAck = frame(.settings, flags: ack)

    /// An HPACK integer with an `prefixBits`-bit prefix whose high bits are `pattern`.
    static func integer(_ value: Int, prefixBits: Int, pattern: UInt8) -> [UInt8] {
        let limit = (1 << prefixBits) - 1
        if value < limit { return [pattern | UInt8(value)] }
        var bytes = [pattern | UInt8(limit)]
        var rest = value - limit
        while rest >= 128 {
            bytes.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return integer(bytes.count, prefixBits: 7, pattern: 0) + bytes
    }

    /// `GET path` for `authority` over http: static-table entries and literals never indexed.
    static func getBlock(path: String, authority: String) -> [UInt8] {
        [0x82, 0x86]  // :method GET, :scheme http
            + integer(4, prefixBits: 4, pattern: 0) + string(path)  // :path, literal without indexing
            + integer(1, prefixBits: 4, pattern: 0) + string(authority)  // :authority
    }

    /// A literal header field with incremental indexing and a new name: the decoder keeps it in its
    /// dynamic table, at index 62 when it is the newest entry.
    static func indexedLiteral(name: String, value: String) -> [UInt8] {
        [0x40] + string(name) + string(value)
    }

    static func headers(stream: UInt32, block: [UInt8], endStream: Bool = true, endHeaders: Bool = true) -> [UInt8] {
        frame(.headers, flags: (endStream ? Self.endStream : 0) | (endHeaders ? Self.endHeaders : 0), stream: stream, block)
    }

    static func rstStream(stream: UInt32, code: UInt32 = 0x8) -> [UInt8] {
        frame(.rstStream, stream: stream, bigEndian(code))
    }

    struct Frame: Sendable, Equatable {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]

        /// GOAWAY's error code.
        var goAwayCode: UInt32? {
            guard type == FrameType.goAway.rawValue, payload.count >= 8 else { return nil }
            return payload[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    /// The whole frames in `bytes` (what a server sent after its preface is just frames).
    static func frames(in bytes: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        var index = 0
        while bytes.count - index >= 9 {
            let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            guard bytes.count - index - 9 >= length else { break }
            let stream = bytes[(index + 5)..<(index + 9)].reduce(0) { $0 << 8 | UInt32($1) } & 0x7fff_ffff
            frames.append(
                Frame(
                    type: bytes[index + 3], flags: bytes[index + 4], stream: stream,
                    payload: Array(bytes[(index + 9)..<(index + 9 + length)])))
            index += 9 + length
        }
        return frames
    }
}
