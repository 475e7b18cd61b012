public import NIOHTTP1

/// Removes the headers that describe one connection and must not be forwarded (RFC 9110 §7.6.1).
public enum HopByHopHeaders {
    /// Removes `Connection`, every header it names, `Keep-Alive`, `Proxy-Connection`, `TE`,
    /// `Trailer`, `Transfer-Encoding` and `Upgrade`.
    ///
    /// `TE: trailers` is kept, as Envoy does, because gRPC needs it end to end. With `keepUpgrade`
    /// and an `Upgrade` header (a WebSocket handshake the engine forwards), `Upgrade` is kept and
    /// `Connection` becomes `upgrade` so the upstream still sees an upgrade request.
    /// Leaves `headers` untouched, without copying, when there is nothing to remove.
    public static func remove(from headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        strip(&headers, keepUpgrade: keepUpgrade)
    }

    /// What `strip` saw besides the fields it dropped.
    struct Scan {
        /// `Connection` tokens: the message asks to close, or (HTTP/1.0) to keep the connection.
        var close = false
        var keepAlive = false
        /// The message had a `Transfer-Encoding` (dropped: the next hop gets its own framing).
        var transferEncoding = false
        /// The first `X-Forwarded-For` and `X-Request-Id` values.
        var forwardedFor: String?
        var requestID: String?

        /// Whether the connection persists after this message (RFC 9112 §9.3).
        func persists(_ version: HTTPVersion) -> Bool {
            HTTP1KeepAlive.persists(version: version, close: close, keepAlive: keepAlive)
        }
    }

    /// `remove(from:keepUpgrade:)` and what a proxy needs to know of the headers, in one pass
    /// (two when something is dropped: the headers are then rebuilt once). Every message through
    /// the proxy comes here, so this is its hot path: names are told apart by length first.
    /// - Parameters:
    ///   - dropExpect: also drop `Expect` (the proxy answered `100-continue` itself).
    ///   - dropForwarded: also drop `X-Forwarded-For` and `X-Forwarded-Proto` (the caller appends
    ///     its own, the first from `Scan.forwardedFor`).
    ///   - dropIdentity: also drop what only a proxy may say of a request: `X-Forwarded-Client-Cert`
    ///     (Envoy's `SANITIZE_SET`: the caller sets its own from a verified client certificate) and
    ///     every `x-envoy-*` field (Envoy strips its internal headers from untrusted clients, and a
    ///     gateway trusts none).
    @discardableResult
    static func strip(
        _ headers: inout HTTPHeaders, keepUpgrade: Bool = false, dropExpect: Bool = false, dropForwarded: Bool = false,
        dropIdentity: Bool = false
    ) -> Scan {
        let survey = Survey(headers, dropExpect: dropExpect, dropForwarded: dropForwarded, dropIdentity: dropIdentity)
        if survey.dropsSomething {
            headers = HTTPHeaders(survey.kept(headers, keepUpgrade: keepUpgrade))
        }
        return survey.scan
    }

    /// What `strip` keeps, as a new array with room for `extraCapacity` fields the caller
    /// appends (a proxy adds its own before building the next hop's head): no copy of the
    /// headers on write, and no per-field checks of `HTTPHeaders.add`, whose ASCII check of the
    /// name costs more than the rest of the append.
    static func forwardedFields(
        _ headers: HTTPHeaders, keepUpgrade: Bool = false, dropExpect: Bool = false, dropForwarded: Bool = false,
        dropIdentity: Bool = false, extraCapacity: Int
    ) -> (fields: [(String, String)], scan: Scan) {
        let survey = Survey(headers, dropExpect: dropExpect, dropForwarded: dropForwarded, dropIdentity: dropIdentity)
        let fields = survey.kept(headers, keepUpgrade: keepUpgrade, extraCapacity: extraCapacity)
        return (fields, survey.scan)
    }

    /// `forwardedFields`' first pass alone, for a proxy that copies the request's field lines
    /// instead of rebuilding them (`ForwardedRequestHead`): what it notes, or nil when the fields
    /// to drop are not known by name alone (a `Connection` token naming fields, or `TE`).
    /// `Expect` and the identity fields are dropped, as are `X-Forwarded-*` with `dropForwarded`.
    static func scanForCopy(_ headers: HTTPHeaders, dropForwarded: Bool) -> Scan? {
        let survey = Survey(headers, dropExpect: true, dropForwarded: dropForwarded, dropIdentity: true)
        guard survey.namedByConnection.isEmpty, !survey.tePresent else { return nil }
        return survey.scan
    }

    /// The first pass: what the fields say, and whether any must go.
    private struct Survey {
        let dropExpect: Bool
        let dropForwarded: Bool
        let dropIdentity: Bool
        var scan = Scan()
        var dropsSomething = false
        var namedByConnection: [String] = []
        var upgradePresent = false
        var teIsTrailersOnly = true
        var tePresent = false

        init(_ headers: HTTPHeaders, dropExpect: Bool, dropForwarded: Bool, dropIdentity: Bool) {
            self.dropExpect = dropExpect
            self.dropForwarded = dropForwarded
            self.dropIdentity = dropIdentity
            var found = false
            for (name, value) in headers {
                switch kind(of: name) {
                case nil:
                    continue
                case .connection:
                    ASCII.forEachListElement(value) { token in
                        if !HTTP1KeepAlive.note(token, close: &scan.close, keepAlive: &scan.keepAlive),
                            kind(ofBytes: token)?.isAlwaysHopByHop != true
                        {
                            namedByConnection.append(String(decoding: token, as: UTF8.self))
                        }
                    }
                case .upgrade:
                    upgradePresent = true
                case .te:
                    tePresent = true
                    ASCII.forEachListElement(value) { element in
                        if !ASCII.equalsIgnoringCase(element, "trailers".utf8) { teIsTrailersOnly = false }
                    }
                case .transferEncoding:
                    scan.transferEncoding = true
                case .other:
                    break
                case .expect:
                    if !dropExpect { continue }
                case .forwardedFor:
                    if scan.forwardedFor == nil { scan.forwardedFor = value }
                    if !dropForwarded { continue }
                case .forwardedProto:
                    if !dropForwarded { continue }
                case .identity:
                    if !dropIdentity { continue }
                case .requestID:
                    if scan.requestID == nil { scan.requestID = value }
                    continue
                }
                found = true
            }
            dropsSomething = found || !namedByConnection.isEmpty
            // A field `Connection` names is hop-by-hop even when it is one the proxy takes note of.
            if !namedByConnection.isEmpty {
                if scan.requestID != nil, named("x-request-id", in: namedByConnection) { scan.requestID = nil }
                if scan.forwardedFor != nil, named("x-forwarded-for", in: namedByConnection) { scan.forwardedFor = nil }
            }
        }

        /// The second pass: the fields that stay, in order.
        func kept(_ headers: HTTPHeaders, keepUpgrade: Bool, extraCapacity: Int = 0) -> [(String, String)] {
            let upgrading = keepUpgrade && upgradePresent
            var kept: [(String, String)] = []
            kept.reserveCapacity(headers.count + (upgrading ? 1 : 0) + extraCapacity)
            for (name, value) in headers {
                switch kind(of: name) {
                case .upgrade where upgrading, .te where teIsTrailersOnly:
                    kept.append((name, value))
                case .expect where dropExpect, .forwardedFor where dropForwarded, .forwardedProto where dropForwarded,
                    .identity where dropIdentity:
                    continue
                case let kind? where kind.isAlwaysHopByHop:
                    continue
                default:
                    if !namedByConnection.isEmpty, named(name, in: namedByConnection) { continue }
                    kept.append((name, value))
                }
            }
            if upgrading { kept.append(("connection", "upgrade")) }
            return kept
        }
    }

    /// The headers that are always hop-by-hop, whether or not `Connection` names them, and the
    /// end-to-end ones `strip` takes note of or drops on request.
    enum Kind {
        case connection, upgrade, te, transferEncoding, other, expect, forwardedFor, forwardedProto, requestID
        /// `X-Forwarded-Client-Cert` or `x-envoy-*`: what only the proxy may say of a request.
        case identity

        /// Dropped whatever `Connection` says; the others are end-to-end unless it names them.
        var isAlwaysHopByHop: Bool {
            switch self {
            case .connection, .upgrade, .te, .transferEncoding, .other: true
            case .expect, .forwardedFor, .forwardedProto, .requestID, .identity: false
            }
        }
    }

    private static func named(_ name: String, in tokens: [String]) -> Bool {
        tokens.contains { ASCII.equalsIgnoringCase($0.utf8, name.utf8) }
    }

    /// Whether the field named `raw[start..<end]` is dropped whatever `Connection` says
    /// (`Connection`, `Keep-Alive`, `Proxy-Connection`, `TE`, `Trailer`, `Transfer-Encoding`,
    /// `Upgrade`): the rule `strip` applies, for field lines still in a message's bytes.
    static func isAlwaysHopByHop(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        kind(raw, start, end)?.isAlwaysHopByHop == true
    }

    /// Which of them `name` is, by length first: most names are none of them.
    private static func kind(of name: String) -> Kind? {
        let count = name.utf8.count
        guard count >= 2, count <= 17 || name.utf8.first.map(ASCII.lower) == UInt8(ascii: "x") else { return nil }
        var name = name  // `withUTF8` needs a var; a native string is not copied
        return name.withUTF8 { kind(ofBytes: UnsafeRawBufferPointer($0)) }
    }

    /// Which of them the field named `raw[start..<end]` is (a name in a message's bytes).
    static func kind(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Kind? {
        kind(ofBytes: UnsafeRawBufferPointer(rebasing: raw[start..<end]))
    }

    private static func kind(ofBytes raw: UnsafeRawBufferPointer) -> Kind? {
        // First letter and length tell almost every name apart before a whole comparison
        // (Content-Type and X-Request-Id are both 12 bytes long); the `x-` names, any length for
        // `x-envoy-*`, are told apart on their own. Names and Connection tokens hold no CR, the
        // one byte that `| 0x20` would turn into `-`.
        let count = raw.count
        guard count >= 2 else { return nil }
        func equals(_ lowercase: StaticString) -> Bool {
            HTTP1ByteClass.equalsIgnoringCase(raw, 0, count, lowercase)
        }
        let first = ASCII.lower(raw[0])
        if first == UInt8(ascii: "x") {
            if count >= 8, HTTP1ByteClass.equalsIgnoringCase(raw, 0, 8, "x-envoy-") { return .identity }
            switch count {
            case 12: return equals("x-request-id") ? .requestID : nil
            case 15: return equals("x-forwarded-for") ? .forwardedFor : nil
            case 17: return equals("x-forwarded-proto") ? .forwardedProto : nil
            case 23: return equals("x-forwarded-client-cert") ? .identity : nil
            default: return nil
            }
        }
        guard count <= 17 else { return nil }
        switch (count, first) {
        case (2, UInt8(ascii: "t")): return equals("te") ? .te : nil
        case (6, UInt8(ascii: "e")): return equals("expect") ? .expect : nil
        case (7, UInt8(ascii: "u")): return equals("upgrade") ? .upgrade : nil
        case (7, UInt8(ascii: "t")): return equals("trailer") ? .other : nil
        case (10, UInt8(ascii: "c")): return equals("connection") ? .connection : nil
        case (10, UInt8(ascii: "k")): return equals("keep-alive") ? .other : nil
        case (16, UInt8(ascii: "p")): return equals("proxy-connection") ? .other : nil
        case (17, UInt8(ascii: "t")): return equals("transfer-encoding") ? .transferEncoding : nil
        default: return nil
        }
    }

    /// The same as `remove(from:keepUpgrade:)`, under the name of what the engine is doing.
    public static func sanitizeForwarding(_ headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        remove(from: &headers, keepUpgrade: keepUpgrade)
    }
}
