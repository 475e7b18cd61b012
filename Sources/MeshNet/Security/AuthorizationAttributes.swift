import NIOHTTP1

/// What a compiled authorization looks at in one request or connection.
///
/// Built per request with only the attributes the chain's policies read (`CompiledAuthorization.needs`):
/// a chain whose policies never name a principal never reads the client certificate, one without
/// IP fields never parses an address.
struct AuthorizationAttributes {
    /// Upper-case method as sent; nil for a TCP connection (then `isHTTP` is false).
    var method: String?
    /// The URL path without query, normalised (`AuthorizationPath`).
    var path: Substring?
    /// The lower-cased authority (`Host` or `:authority`), possibly with a port.
    var host: String?
    /// The request headers; read through `HeaderLookup` (repeated headers joined with `,`, as Envoy).
    var headers: HTTPHeaders?
    /// The peer's SPIFFE ID without `spiffe://`; nil without a verified client certificate.
    var principal: String?
    /// The namespace in `principal` (`…/ns/<namespace>/…`).
    var namespace: String?
    /// Network-order bytes of the connection's peer address.
    var sourceIP: [UInt8]?
    /// Network-order bytes of the original client (`X-Forwarded-For` per the trusted hops), else the peer.
    var remoteIP: [UInt8]?
    var destinationIP: [UInt8]?
    var destinationPort: Int?
    var serverName: String?
    /// The request's JWT, verified by RequestAuthentication; nil without one (`requestPrincipals`, `request.auth.*`).
    var requestAuth: JWTIdentity?

    var isHTTP: Bool { method != nil || path != nil || host != nil }

    /// Sets `principal` (dropping `spiffe://`) and the namespace it names.
    mutating func setPrincipal(_ spiffeID: String?) {
        guard let spiffeID else {
            principal = nil
            namespace = nil
            return
        }
        let principal = spiffeID.hasPrefix("spiffe://") ? String(spiffeID.dropFirst("spiffe://".count)) : spiffeID
        self.principal = principal
        let parts = principal.split(separator: "/", omittingEmptySubsequences: false)
        if let index = parts.firstIndex(of: "ns"), index + 1 < parts.count, !parts[index + 1].isEmpty {
            namespace = String(parts[index + 1])
        } else {
            namespace = nil
        }
    }
}
