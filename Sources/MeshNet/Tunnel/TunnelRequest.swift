public import NIOCore
public import NIOHPACK

/// One CONNECT stream arriving at the tunnel server, as its decision callback sees it: who sent
/// it (the verified SPIFFE identity of the tunnel connection), from where, to which endpoint,
/// with which headers.
public struct TunnelRequest: Sendable {
    /// The client certificate's identity (the source workload, or its node).
    public var peer: PeerIdentity
    /// The tunnel connection's remote address (the source node).
    public var source: SocketAddress?
    /// The endpoint the `:authority` names.
    public var target: SocketAddress
    /// The request's regular header fields (no pseudo-headers), names lower-case.
    public var headers: HPACKHeaders

    public init(peer: PeerIdentity, source: SocketAddress?, target: SocketAddress, headers: HPACKHeaders) {
        self.peer = peer
        self.source = source
        self.target = target
        self.headers = headers
    }

    /// `Forwarded` as sent: `for=10.0.0.5` names the original client.
    public var forwarded: String? { headers.first(name: "forwarded") }

    /// W3C trace context of the caller, passed on unchanged.
    public var traceparent: String? { headers.first(name: "traceparent") }

    /// The address in `Forwarded: for=` (quotes and IPv6 brackets removed), the original client's IP.
    public var forwardedFor: String? {
        guard let forwarded else { return nil }
        for element in forwarded.split(separator: ",").first?.split(separator: ";") ?? [] {
            let pair = element.trimmingPrefix(while: \.isWhitespace)
            guard pair.count > 4, pair.prefix(4).lowercased() == "for=" else { continue }
            var value = pair.dropFirst(4)
            if value.first == "\"", value.last == "\"", value.count >= 2 { value = value.dropFirst().dropLast() }
            if value.first == "[", let close = value.firstIndex(of: "]") { value = value[value.index(after: value.startIndex)..<close] }
            return String(value)
        }
        return nil
    }
}

/// What the tunnel server does with a `TunnelRequest`.
public enum TunnelDecision: Sendable, Hashable {
    /// Connect to the request's target and relay.
    case allow
    /// Connect to this address instead of the target (e.g. the local instance behind it) and relay.
    case allowTo(SocketAddress)
    /// Answer 403; the reason is logged, never sent.
    case deny(reason: String)
}
