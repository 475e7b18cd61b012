public import NIOHTTP1

/// Removes the headers that describe one connection and must not be forwarded (RFC 9110 §7.6.1).
public enum HopByHopHeaders {
    /// Always hop-by-hop, whether or not `Connection` names them.
    static let names: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// Removes `Connection`, every header it names, `Keep-Alive`, `Proxy-Connection`, `TE`,
    /// `Trailer`, `Transfer-Encoding` and `Upgrade`.
    ///
    /// `TE: trailers` is kept, as Envoy does, because gRPC needs it end to end. With `keepUpgrade`
    /// and an `Upgrade` header (a WebSocket handshake the engine forwards), `Upgrade` is kept and
    /// `Connection` becomes `upgrade` so the upstream still sees an upgrade request.
    /// Leaves `headers` untouched, without copying, when there is nothing to remove.
    public static func remove(from headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        var connectionTokens: [Substring] = []
        var found = false
        for header in headers {
            if ASCII.equalsIgnoringCase(header.name.utf8, "connection".utf8) {
                found = true
                for token in header.value.split(separator: ",") {
                    let trimmed = ASCII.trimmed(token)
                    if !trimmed.isEmpty { connectionTokens.append(trimmed) }
                }
            } else if !found, names.contains(where: { ASCII.equalsIgnoringCase(header.name.utf8, $0.utf8) }) {
                found = true
            }
        }
        guard found else { return }

        let upgrading = keepUpgrade && headers.contains(name: "upgrade")
        for token in connectionTokens {
            let name = String(token)
            if upgrading && ASCII.equalsIgnoringCase(token.utf8, "upgrade".utf8) { continue }
            if ASCII.equalsIgnoringCase(token.utf8, "te".utf8) { continue }
            headers.remove(name: name)
        }
        for name in names where headers.contains(name: name) {
            switch name {
            case "upgrade" where upgrading:
                continue
            case "te" where headers[canonicalForm: "te"].allSatisfy({ $0.lowercased() == "trailers" }):
                continue
            default:
                headers.remove(name: name)
            }
        }
        if upgrading {
            headers.replaceOrAdd(name: "connection", value: "upgrade")
        }
    }

    /// The same as `remove(from:keepUpgrade:)`, under the name of what the engine is doing.
    public static func sanitizeForwarding(_ headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        remove(from: &headers, keepUpgrade: keepUpgrade)
    }
}
