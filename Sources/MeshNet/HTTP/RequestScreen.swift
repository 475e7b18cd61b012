import NIOHTTP1

/// Checks a parsed request head before it is routed: framing that could smuggle a second
/// request past a backend, oversize targets and bodies, missing or doubled Host. The parser
/// (`HTTP1Parser`, or NIO's for HTTP/2 streams and compressing listeners) already refused
/// malformed syntax; these are the well-formed requests a proxy must still refuse.
enum RequestScreen {
    struct Problem {
        let status: HTTPResponseStatus
        let message: String
    }

    /// What the connection handler needs to know of a request head, read in the screening pass.
    struct Examination {
        var problem: Problem?
        /// Content-Length above zero or chunked.
        var announcesBody = false
        /// The first `Expect` value.
        var expectation: String?
        /// An `Upgrade` field is there.
        var upgrade = false
        /// `Connection` tokens (RFC 9112 §9.3).
        var close = false
        var keepAlive = false

        /// Whether the client keeps the connection after this request.
        func persists(_ version: HTTPVersion) -> Bool {
            HTTP1KeepAlive.persists(version: version, close: close, keepAlive: keepAlive)
        }
    }

    /// `check` and the facts the handler acts on, in one pass over the header fields.
    static func examine(_ head: HTTPRequestHead, settings: ProxySettings, http2: Bool = false) -> Examination {
        var examination = Examination()
        examination.problem = check(head, settings: settings, http2: http2, noting: &examination)
        return examination
    }

    /// - Parameter http2: the head is an HTTP/2 stream's, translated by NIO's HTTP/2 codec
    ///   (which has already refused connection-specific headers and checked Content-Length).
    static func check(_ head: HTTPRequestHead, settings: ProxySettings, http2: Bool = false) -> Problem? {
        var ignored = Examination()
        return check(head, settings: settings, http2: http2, noting: &ignored)
    }

    private static func check(
        _ head: HTTPRequestHead, settings: ProxySettings, http2: Bool, noting facts: inout Examination
    ) -> Problem? {
        if http2 ? head.version != .http2 : head.version.major != 1 || head.version.minor > 1 {
            return Problem(status: .httpVersionNotSupported, message: "unsupported HTTP version\n")
        }
        if head.uri.utf8.count > settings.maxRequestURIBytes {
            return Problem(status: .uriTooLong, message: "request target too long\n")
        }
        if head.headers.count > settings.maxRequestHeaderCount {
            return Problem(status: .requestHeaderFieldsTooLarge, message: "too many header fields\n")
        }
        guard let first = head.uri.utf8.first, first == UInt8(ascii: "/") || isAbsoluteForm(head.uri)
            || (head.uri == "*" && head.method == .OPTIONS)
        else {
            return Problem(status: .badRequest, message: "invalid request target\n")
        }
        if head.method.isCONNECT {
            return Problem(status: .methodNotAllowed, message: "CONNECT is not supported\n")
        }
        // One pass for Host, Expect, Upgrade, Connection and whether any framing field is there
        // (most requests have none).
        var hostCount = 0
        var host: String?
        var framed = false
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 4 where ASCII.equalsIgnoringCase(name, lowercase: "host"):
                hostCount += 1
                if host == nil { host = value }
            case 6 where ASCII.equalsIgnoringCase(name, lowercase: "expect"):
                if facts.expectation == nil { facts.expectation = value }
            case 7 where ASCII.equalsIgnoringCase(name, lowercase: "upgrade"):
                facts.upgrade = true
            case 10 where ASCII.equalsIgnoringCase(name, lowercase: "connection"):
                ASCII.forEachListElement(value) { HTTP1KeepAlive.note($0, close: &facts.close, keepAlive: &facts.keepAlive) }
            case 14 where ASCII.equalsIgnoringCase(name, lowercase: "content-length"):
                framed = true
                if let length = Int(value), length > 0 { facts.announcesBody = true }
            case 17 where ASCII.equalsIgnoringCase(name, lowercase: "transfer-encoding"):
                framed = true
                facts.announcesBody = true
            default:
                continue
            }
        }
        if hostCount > 1 {
            return Problem(status: .badRequest, message: "more than one Host header\n")
        }
        if let host, !isValidHost(host) {
            return Problem(status: .badRequest, message: "invalid Host header\n")
        }
        if host == nil && head.version.minor == 1 && !isAbsoluteForm(head.uri) {
            return Problem(status: .badRequest, message: "missing Host header\n")
        }
        guard framed else {
            return nil
        }
        let encodings = head.headers[canonicalForm: "transfer-encoding"]
        let lengths = head.headers[canonicalForm: "content-length"]
        if !encodings.isEmpty {
            if !lengths.isEmpty {
                return Problem(status: .badRequest, message: "both Content-Length and Transfer-Encoding\n")
            }
            // HTTP/1.0 has no chunked coding; an HTTP/2 stream (version 2.0) without a
            // content-length comes from the HTTP/2-to-HTTP/1 codec as chunked, which is right.
            let http10 = head.version.major == 1 && head.version.minor == 0
            if encodings.count != 1 || encodings[0].lowercased() != "chunked" || http10 {
                return Problem(status: .badRequest, message: "unsupported Transfer-Encoding\n")
            }
        }
        if !lengths.isEmpty {
            guard let length = Int(lengths[0]), length >= 0, lengths.allSatisfy({ $0 == lengths[0] }) else {
                return Problem(status: .badRequest, message: "invalid Content-Length\n")
            }
            if let max = settings.maxRequestBodyBytes, length > max {
                return Problem(status: .payloadTooLarge, message: "request body too large\n")
            }
            if head.method == .TRACE && length > 0 {
                return Problem(status: .badRequest, message: "TRACE with a body\n")
            }
        }
        if head.method == .TRACE && !encodings.isEmpty {
            return Problem(status: .badRequest, message: "TRACE with a body\n")
        }
        return nil
    }

    private static func isAbsoluteForm(_ uri: String) -> Bool {
        uri.hasPrefix("http://") || uri.hasPrefix("https://")
    }

    /// `host[:port]`, a bracketed IPv6 literal, no spaces, slashes or other delimiters.
    private static func isValidHost(_ host: String) -> Bool {
        if host.isEmpty || host.utf8.count > 255 { return false }
        // A native string's bytes are read directly, not through the generic UTF-8 view walk.
        return host.utf8.withContiguousStorageIfAvailable { $0.allSatisfy(isHostByte) } ?? host.utf8.allSatisfy(isHostByte)
    }

    @inline(__always)
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"),
            UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "_"), UInt8(ascii: "*"):
            true
        default:
            false
        }
    }
}
