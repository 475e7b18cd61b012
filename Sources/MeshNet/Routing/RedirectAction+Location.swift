public import MeshModel

extension Snapshot.RedirectAction {
    /// The `Location` of the redirect answer to `facts`, after Envoy's `RedirectAction`.
    ///
    /// - scheme: the action's, else the request's.
    /// - host: the action's host (with the new port, if any, and never the request's port), else
    ///   the request's authority, whose port is replaced by a new port, or dropped when the scheme
    ///   changes and it was the old scheme's default (`http://a:80` → `https://a`).
    /// - port: `portFromRequest` (the listener's port) wins over `port`.
    /// - A port equal to the final scheme's default (80 for http, 443 for https) is left out.
    /// - path: the action's replaces the path; the request's query is kept unless the new path
    ///   carries its own `?`.
    public func location(for facts: RequestFacts) -> String {
        let finalScheme = scheme?.lowercased() ?? facts.scheme
        let newPort: Int? = portFromRequest ? facts.listenerPort : port.map(Int.init)
        var finalHost: Substring
        var finalPort: Substring?
        var numericPort: Int?
        if let host {
            finalHost = host[...]
            numericPort = newPort
        } else {
            let parts = AuthorityParts(facts.authority)
            finalHost = parts.host
            if let newPort {
                numericPort = newPort
            } else if let requestPort = parts.port {
                let oldDefault = Self.defaultPort(of: facts.scheme)
                if finalScheme != facts.scheme, let oldDefault, requestPort.utf8.elementsEqual(String(oldDefault).utf8)
                {
                    finalPort = nil
                } else {
                    finalPort = requestPort
                }
            }
        }
        if let numericPort, numericPort != Self.defaultPort(of: finalScheme) {
            finalPort = Substring(String(numericPort))
        }
        if let port = finalPort, let value = Int(port), value == Self.defaultPort(of: finalScheme) {
            finalPort = nil
        }

        var location = finalScheme
        location.reserveCapacity(finalScheme.utf8.count + finalHost.utf8.count + facts.pathAndQuery.utf8.count + 16)
        location += "://"
        location += finalHost
        if let finalPort {
            location += ":"
            location += finalPort
        }
        if let path {
            location += path
            if let query = facts.query, !path.utf8.contains(UInt8(ascii: "?")) {
                location += "?"
                location += query
            }
        } else {
            location += facts.pathAndQuery
        }
        return location
    }

    static func defaultPort(of scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }
}
