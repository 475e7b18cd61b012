import NIOCore
import NIOHTTP1

/// A request head for the next hop whose forwarded fields are the client's field lines as
/// they arrived (a slice of the client connection's input, checked by the parser), minus the
/// ones the proxy drops, followed by the proxy's own fields.
///
/// `HTTP1ClientCodec` writes it with one copy per run of kept lines; no field is turned into a
/// string again, gathered into an array, wrapped in `HTTPHeaders` and serialised one by one.
/// `head()` builds NIO's head with the same fields, for HTTP/2 streams and mirrors.
///
/// A class: every attempt hands it to a connection, and a struct of these fields would be
/// copied (four retains) each time.
final class ForwardedRequestHead {
    let method: HTTPMethod
    let uri: String
    /// The client's field lines, `name: value\r\n` each.
    let lines: ByteBuffer
    /// Every line is already written as `name: value` (see `FieldLines.copy`).
    let canonical: Bool
    /// Which of the client's fields are left out.
    let dropped: Dropped
    /// The proxy's fields, written after the client's.
    let added: ProxyRequestFields

    init(
        method: HTTPMethod, uri: String, lines: ByteBuffer, canonical: Bool, dropped: Dropped, added: ProxyRequestFields
    ) {
        self.method = method
        self.uri = uri
        self.lines = lines
        self.canonical = canonical
        self.dropped = dropped
        self.added = added
    }

    /// Field names a forwarded request leaves out, by the hop-by-hop pass's rules.
    struct Dropped: OptionSet {
        let rawValue: UInt8
        /// The fields `HopByHopHeaders.isAlwaysHopByHop` names (a request with `TE` is not copied).
        static let hopByHop = Dropped(rawValue: 1 << 0)
        static let expect = Dropped(rawValue: 1 << 1)
        /// `X-Forwarded-For` and `X-Forwarded-Proto` (the proxy writes its own).
        static let forwarded = Dropped(rawValue: 1 << 2)
        /// `X-Forwarded-Client-Cert` and `x-envoy-*` (only the proxy may set them).
        static let identity = Dropped(rawValue: 1 << 3)
    }

    /// NIO's head with the same fields as `writeFields` writes.
    func head() -> HTTPRequestHead {
        var fields: [(String, String)] = []
        lines.withUnsafeReadableBytes { raw in
            FieldLines.forEachLine(raw, 0, raw.count) { lineStart, colon, lineEnd in
                guard !drops(raw, lineStart, colon) else { return }
                fields.append(FieldLines.field(raw, lineStart, colon, lineEnd))
            }
        }
        added.append(to: &fields)
        return HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(fields))
    }

    /// The kept lines and the added fields, and how they frame the request (as
    /// `HTTP1Serializer.writeFields` reports it).
    func writeFields(into buffer: inout ByteBuffer) -> (contentLength: Bool, chunked: Bool) {
        var contentLength = false
        FieldLines.copy(lines, canonical: canonical, into: &buffer) { raw, start, colon in
            if drops(raw, start, colon) { return false }
            if colon - start == 14, HTTP1ByteClass.equalsIgnoringCase(raw, start, colon, "content-length") {
                contentLength = true
            }
            return true
        }
        HTTP1Serializer.writeProxyFields(added, into: &buffer)
        return (contentLength, added.chunked)
    }

    /// Whether the field named `raw[start..<end]` is left out: one look-up by the hop-by-hop
    /// pass's own table, whatever the name.
    private func drops(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        switch HopByHopHeaders.kind(raw, start, end) {
        case nil, .requestID?: false
        case .expect?: dropped.contains(.expect)
        case .forwardedFor?, .forwardedProto?: dropped.contains(.forwarded)
        case .identity?: dropped.contains(.identity)
        case .connection?, .upgrade?, .te?, .transferEncoding?, .other?: dropped.contains(.hopByHop)
        }
    }
}

/// The fields a proxy adds to a request it forwards, after the client's.
struct ProxyRequestFields {
    /// `transfer-encoding: chunked`: the client's body was chunked (its own field is hop-by-hop).
    var chunked = false
    var forwardedFor: String?
    var forwardedProto: String?
    /// `x-forwarded-client-cert` from the client certificate the handshake verified (the client's
    /// own is always dropped).
    var forwardedClientCert: String?
    /// A new `x-request-id`; nil when the client's goes on.
    var requestID: String?

    /// The fields as (name, value) pairs, in the order `HTTP1Serializer.writeProxyFields` writes them.
    func append(to fields: inout [(String, String)]) {
        if chunked { fields.append(("transfer-encoding", "chunked")) }
        if let forwardedFor { fields.append(("x-forwarded-for", forwardedFor)) }
        if let forwardedProto { fields.append(("x-forwarded-proto", forwardedProto)) }
        if let forwardedClientCert { fields.append(("x-forwarded-client-cert", forwardedClientCert)) }
        if let requestID { fields.append(("x-request-id", requestID)) }
    }
}

/// The request an exchange sends to each attempt's upstream.
enum UpstreamRequestHead {
    /// Built as NIO's head (header rules, a host rewrite, HTTP/2 or fields only the general
    /// hop-by-hop pass handles).
    case headers(HTTPRequestHead)
    /// The client's lines copied (see `ForwardedRequestHead`).
    case forwarded(ForwardedRequestHead)

    var head: HTTPRequestHead {
        switch self {
        case .headers(let head): head
        case .forwarded(let forwarded): forwarded.head()
        }
    }
}
