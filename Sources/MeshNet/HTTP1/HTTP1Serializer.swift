import NIOCore
import NIOHTTP1

/// Writes HTTP/1.1 heads and chunk framing straight into a `ByteBuffer`, for the engine's own
/// codecs (`HTTP1ServerCodec`, `HTTP1ClientCodec`): one buffer per head, no intermediate strings.
enum HTTP1Serializer {
    /// `HTTP/1.1 <code> <reason>\r\n`, or HTTP/1.0 for a 1.0 client.
    static func writeStatusLine(_ status: HTTPResponseStatus, version: HTTPVersion, into buffer: inout ByteBuffer) {
        let http10 = version.major == 1 && version.minor == 0
        if case .ok = status {
            if http10 {
                buffer.writeStaticString("HTTP/1.0 200 OK\r\n")
            } else {
                buffer.writeStaticString("HTTP/1.1 200 OK\r\n")
            }
            return
        }
        let code = status.code
        let reason = status.reasonPhrase
        // "HTTP/1.x ddd " + reason + CRLF, in one reserved region.
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 15 + reason.utf8.count) { raw in
            var cursor = Cursor(raw)
            cursor.put(http10 ? "HTTP/1.0 " : "HTTP/1.1 ")
            cursor.put(UInt8(ascii: "0") + UInt8(code / 100 % 10))
            cursor.put(UInt8(ascii: "0") + UInt8(code / 10 % 10))
            cursor.put(UInt8(ascii: "0") + UInt8(code % 10))
            cursor.put(UInt8(ascii: " "))
            cursor.put(reason)
            cursor.put("\r\n")
            return cursor.offset
        }
    }

    /// `<method> <target> HTTP/1.1\r\n`: upstream requests always go out as HTTP/1.1.
    static func writeRequestLine(_ head: HTTPRequestHead, into buffer: inout ByteBuffer) {
        writeRequestLine(method: head.method, uri: head.uri, into: &buffer)
    }

    static func writeRequestLine(method: HTTPMethod, uri: String, into buffer: inout ByteBuffer) {
        let method = method.rawValue  // a string literal for the methods NIO names
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: method.utf8.count + 1 + uri.utf8.count + 11) { raw in
            var cursor = Cursor(raw)
            cursor.put(method)
            cursor.put(UInt8(ascii: " "))
            cursor.put(uri)
            cursor.put(" HTTP/1.1\r\n")
            return cursor.offset
        }
    }

    /// Every field as `name: value\r\n`, and how they frame the message (the same as
    /// `framing(of:)`, noticed on the way). The engine validated names and values when it parsed
    /// or built them (configured header values are checked at apply), so none can break a line.
    /// Each field is copied into a region reserved for it: one buffer call per field instead of
    /// four (each checks capacity and uniqueness).
    /// - Parameter skipping: a field name to leave out (case-insensitive), e.g. `connection`.
    @discardableResult
    static func writeFields(
        _ headers: HTTPHeaders, into buffer: inout ByteBuffer, skipping: String? = nil
    ) -> (contentLength: Bool, chunked: Bool) {
        var contentLength = false
        var chunked = false
        for (name, value) in headers {
            if let skipping, ASCII.equalsIgnoringCase(name.utf8, skipping.utf8) { continue }
            writeField(name, value, into: &buffer)
            noteFraming(name, value, contentLength: &contentLength, chunked: &chunked)
        }
        return (contentLength, chunked)
    }

    /// One field, copied into a region reserved for it.
    @inline(__always)
    private static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: name.utf8.count + value.utf8.count + 4) { raw in
            var cursor = Cursor(raw)
            cursor.put(name)
            cursor.put(": ")
            cursor.put(value)
            cursor.put("\r\n")
            return cursor.offset
        }
    }

    /// Copies bytes into a region reserved for them (`writeWithUnsafeMutableBytes` with the
    /// measured length): no capacity or uniqueness check per piece.
    private struct Cursor {
        let base: UnsafeMutableRawPointer
        let count: Int
        var offset = 0

        init(_ raw: UnsafeMutableRawBufferPointer) {
            base = raw.baseAddress!
            count = raw.count
        }

        @inline(__always)
        mutating func put(_ byte: UInt8) {
            precondition(offset < count)
            base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }

        /// `value` (0 or more, at most 19 digits) in decimal.
        mutating func put(decimal value: Int) {
            var digits = 1
            var rest = value / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            precondition(digits <= count - offset)
            rest = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                base.storeBytes(of: UInt8(ascii: "0") + UInt8(rest % 10), toByteOffset: index, as: UInt8.self)
                rest /= 10
            }
            offset += digits
        }

        @inline(__always)
        mutating func put(_ text: StaticString) {
            copy(UnsafeRawPointer(text.utf8Start), text.utf8CodeUnitCount)
        }

        @inline(__always)
        mutating func put(_ text: String) {
            var text = text  // `withUTF8` needs a var; a native string is not copied
            text.withUTF8 { bytes in
                if let start = bytes.baseAddress { copy(UnsafeRawPointer(start), bytes.count) }
            }
        }

        @inline(__always)
        private mutating func copy(_ source: UnsafeRawPointer, _ length: Int) {
            precondition(length <= count - offset)
            (base + offset).copyMemory(from: source, byteCount: length)
            offset += length
        }
    }

    @inline(__always)
    private static func noteFraming(_ name: String, _ value: String, contentLength: inout Bool, chunked: inout Bool) {
        let count = name.utf8.count
        guard count == 14 || count == 17 else { return }
        switch count {
        case 14 where ASCII.equalsIgnoringCase(name, lowercase: "content-length"):
            contentLength = true
        case 17 where ASCII.equalsIgnoringCase(name, lowercase: "transfer-encoding"):
            chunked = ASCII.equalsIgnoringCase(ASCII.trimmed(Substring(value)).utf8, "chunked".utf8)
        default:
            break
        }
    }

    /// The fields a proxy adds to a request it forwards, in one reserved region.
    static func writeProxyFields(_ fields: ProxyRequestFields, into buffer: inout ByteBuffer) {
        var length = fields.chunked ? 28 : 0
        if let value = fields.forwardedFor { length += 19 + value.utf8.count }
        if let value = fields.forwardedProto { length += 21 + value.utf8.count }
        if let value = fields.forwardedClientCert { length += 27 + value.utf8.count }
        if let value = fields.requestID { length += 16 + value.utf8.count }
        guard length > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { raw in
            var cursor = Cursor(raw)
            if fields.chunked { cursor.put("transfer-encoding: chunked\r\n") }
            if let value = fields.forwardedFor {
                cursor.put("x-forwarded-for: ")
                cursor.put(value)
                cursor.put("\r\n")
            }
            if let value = fields.forwardedProto {
                cursor.put("x-forwarded-proto: ")
                cursor.put(value)
                cursor.put("\r\n")
            }
            if let value = fields.forwardedClientCert {
                cursor.put("x-forwarded-client-cert: ")
                cursor.put(value)
                cursor.put("\r\n")
            }
            if let value = fields.requestID {
                cursor.put("x-request-id: ")
                cursor.put(value)
                cursor.put("\r\n")
            }
            return cursor.offset
        }
    }

    /// The fields a proxy adds to a forwarded head, and the blank line that ends it, in one
    /// reserved region: `x-envoy-upstream-service-time` (whole milliseconds), `connection: close`
    /// and `transfer-encoding: chunked` when asked.
    static func writeProxyFields(
        upstreamServiceTime: TimeAmount?, close: Bool, chunked: Bool, into buffer: inout ByteBuffer
    ) {
        let milliseconds = upstreamServiceTime.map { max(0, Int($0.nanoseconds / 1_000_000)) }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 128) { raw in
            var cursor = Cursor(raw)
            if let milliseconds {
                cursor.put("x-envoy-upstream-service-time: ")
                cursor.put(decimal: milliseconds)
                cursor.put("\r\n")
            }
            if close { cursor.put("connection: close\r\n") }
            if chunked { cursor.put("transfer-encoding: chunked\r\n") }
            cursor.put("\r\n")
            return cursor.offset
        }
    }

    /// The size line of one chunk: hexadecimal length and CRLF.
    static func writeChunkSize(_ size: Int, into buffer: inout ByteBuffer) {
        var digits = 0
        var rest = size
        repeat {
            digits += 1
            rest >>= 4
        } while rest > 0
        var shift = (digits - 1) * 4
        while shift >= 0 {
            let nibble = UInt8((size >> shift) & 0xF)
            buffer.writeInteger(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
            shift -= 4
        }
        buffer.writeStaticString("\r\n")
    }

    /// Bodies up to this size are copied behind their head (or the previous chunk) into one
    /// buffer: one write, one iovec, instead of a buffer per part.
    static let coalesceLimit = 4096

    /// Frames `body` (as a chunk when `chunked`) behind the bytes `pending` holds. A small body is
    /// copied into `pending`, to leave with it in one write; a larger one goes to `write` as it is,
    /// after what was pending, never copied.
    static func appendBody(
        _ body: ByteBuffer, chunked: Bool, pending: inout ByteBuffer?, allocator: ByteBufferAllocator,
        write: (ByteBuffer) -> Void
    ) {
        let small = body.readableBytes <= coalesceLimit
        if chunked {
            var framing = pending.take() ?? allocator.buffer(capacity: 16)
            writeChunkSize(body.readableBytes, into: &framing)
            if small {
                framing.writeImmutableBuffer(body)
                framing.writeStaticString("\r\n")
                pending = framing
            } else {
                write(framing)
                write(body)
                var tail = allocator.buffer(capacity: 8)
                tail.writeStaticString("\r\n")
                pending = tail
            }
        } else if small, var buffer = pending.take() {
            buffer.writeImmutableBuffer(body)
            pending = buffer
        } else {
            if let buffer = pending.take() { write(buffer) }
            write(body)
        }
    }

    /// The last chunk and the trailer section that ends a chunked body.
    static func writeLastChunk(trailers: HTTPHeaders?, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("0\r\n")
        if let trailers { writeFields(trailers, into: &buffer) }
        buffer.writeStaticString("\r\n")
    }

    /// Whether `headers` carry a Content-Length or a chunked Transfer-Encoding (the message frames
    /// itself), and which.
    static func framing(of headers: HTTPHeaders) -> (contentLength: Bool, chunked: Bool) {
        var contentLength = false
        var chunked = false
        for (name, value) in headers {
            noteFraming(name, value, contentLength: &contentLength, chunked: &chunked)
        }
        return (contentLength, chunked)
    }
}
