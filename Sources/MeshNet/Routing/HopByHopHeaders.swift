public import NIOHTTP1

/// Removes the headers that describe one connection and must not be forwarded (RFC 9110 §7.6.1).
public enum HopByHopHeaders {
    /// Removes `Connection`, every header it names, `Keep-Alive`, `Proxy-Connection`, `TE`,
    /// `Trailer`, `Transfer-Encoding` and `Upgrade`.
    ///
    /// `TE: trailers` is kept, as Envoy does, because gRPC needs it end to end. With `keepUpgrade`
    /// and an `Upgrade` header (a WebSocket handshake the engine forwards), `Upgrade` is kept and
    /// `Connection` becomes `upgrade` so the upstream still sees an upgrade request.
    /// Leaves `headers` untouched, without copying, when there is nothing to remove; otherwise
    /// rebuilds them in one pass (every message through the proxy that has a `Connection` header
    /// comes here, so it is on the hot path).
    public static func remove(from headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        var found = false
        var namedByConnection: [Substring] = []
        var upgradePresent = false
        var teIsTrailersOnly = true
        for (name, value) in headers {
            switch kind(of: name) {
            case nil:
                continue
            case .connection:
                for token in value.split(separator: ",") {
                    let trimmed = ASCII.trimmed(token)
                    if !trimmed.isEmpty && kind(of: trimmed) == nil { namedByConnection.append(trimmed) }
                }
            case .upgrade:
                upgradePresent = true
            case .te:
                if !ASCII.equalsIgnoringCase(ASCII.trimmed(Substring(value)).utf8, "trailers".utf8) { teIsTrailersOnly = false }
            case .other:
                break
            }
            found = true
        }
        guard found else { return }

        let upgrading = keepUpgrade && upgradePresent
        var kept: [(String, String)] = []
        kept.reserveCapacity(headers.count)
        for (name, value) in headers {
            switch kind(of: name) {
            case .upgrade where upgrading, .te where teIsTrailersOnly:
                kept.append((name, value))
            case .some:
                continue
            case nil:
                if !namedByConnection.isEmpty,
                    namedByConnection.contains(where: { ASCII.equalsIgnoringCase($0.utf8, name.utf8) })
                {
                    continue
                }
                kept.append((name, value))
            }
        }
        if upgrading { kept.append(("connection", "upgrade")) }
        headers = HTTPHeaders(kept)
    }

    /// The headers that are always hop-by-hop, whether or not `Connection` names them.
    private enum Kind { case connection, upgrade, te, other }

    /// Which always-hop-by-hop header `name` is, by length first: most names are none of them.
    private static func kind(of name: some StringProtocol) -> Kind? {
        let bytes = name.utf8
        switch bytes.count {
        case 2:
            return ASCII.equalsIgnoringCase(bytes, "te".utf8) ? .te : nil
        case 7:
            if ASCII.equalsIgnoringCase(bytes, "upgrade".utf8) { return .upgrade }
            return ASCII.equalsIgnoringCase(bytes, "trailer".utf8) ? .other : nil
        case 10:
            if ASCII.equalsIgnoringCase(bytes, "connection".utf8) { return .connection }
            return ASCII.equalsIgnoringCase(bytes, "keep-alive".utf8) ? .other : nil
        case 16:
            return ASCII.equalsIgnoringCase(bytes, "proxy-connection".utf8) ? .other : nil
        case 17:
            return ASCII.equalsIgnoringCase(bytes, "transfer-encoding".utf8) ? .other : nil
        default:
            return nil
        }
    }

    /// The same as `remove(from:keepUpgrade:)`, under the name of what the engine is doing.
    public static func sanitizeForwarding(_ headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        remove(from: &headers, keepUpgrade: keepUpgrade)
    }
}
