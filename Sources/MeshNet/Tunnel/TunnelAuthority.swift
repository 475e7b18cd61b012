public import NIOCore

/// The `:authority` of a tunnel's CONNECT: an endpoint's IP literal and port (`10.0.3.7:8080`,
/// `[fd00::7]:8080`), never a name. HBONE tunnels address an endpoint the sender already resolved;
/// a host name here would make the destination node resolve it again, differently.
public enum TunnelAuthority {
    /// The address `authority` names, or nil when it is not `ip:port` with a port in 1...65535.
    public static func parse(_ authority: String) -> SocketAddress? {
        let host: Substring
        let port: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            guard rest.first == ":" else { return nil }
            port = rest.dropFirst()
        } else {
            guard let colon = authority.lastIndex(of: ":") else { return nil }
            host = authority[..<colon]
            // An IPv6 literal must be bracketed, or its port is ambiguous.
            guard !host.contains(":") else { return nil }
            port = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty, !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (1...65535).contains(number)
        else { return nil }
        return try? SocketAddress(ipAddress: String(host), port: number)
    }

    /// `ip:port`, the IPv6 address in brackets; nil for a Unix socket address.
    public static func format(_ address: SocketAddress) -> String? {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }

    /// The `Forwarded` element for a client address (RFC 7239): `for=10.0.0.5`, `for="[fd00::5]"`.
    static func forwardedFor(_ address: SocketAddress) -> String? {
        guard let ip = address.ipAddress else { return nil }
        if case .v6 = address { return "for=\"[\(ip)]\"" }
        return "for=\(ip)"
    }
}
