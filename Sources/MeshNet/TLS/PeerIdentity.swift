public import X509

/// Who the peer of a mutual-TLS connection is, as its verified certificate says.
///
/// Fired as a user inbound event by `PeerIdentityHandler` once the handshake has completed, and kept by
/// that handler, so later handlers can read it without racing the connection's close.
public struct PeerIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The certificate's SPIFFE IDs (URI SANs with scheme `spiffe`), e.g. `spiffe://mesh.local/ns/default/sa/web`.
    public var spiffeIDs: [String]

    public init(spiffeIDs: [String]) {
        self.spiffeIDs = spiffeIDs
    }

    public var spiffeID: String? { spiffeIDs.first }

    /// The SPIFFE ID without `spiffe://`, as AuthorizationPolicy `principals` write it.
    public var principal: String? { spiffeID.map { String($0.dropFirst("spiffe://".count)) } }

    public var description: String { spiffeIDs.joined(separator: ",") }

    /// The URI SANs of `certificate` that are SPIFFE IDs.
    public static func spiffeIDs(in certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            guard case .uniformResourceIdentifier(let uri) = name, uri.lowercased().hasPrefix("spiffe://") else {
                return nil
            }
            return uri
        }
    }

    /// The trust domain of a SPIFFE ID: `spiffe://mesh.local/ns/x` → `mesh.local`.
    public static func trustDomain(of spiffeID: String) -> String? {
        guard spiffeID.lowercased().hasPrefix("spiffe://") else { return nil }
        let rest = spiffeID.dropFirst("spiffe://".count)
        let domain = rest.prefix { $0 != "/" }
        return domain.isEmpty ? nil : domain.lowercased()
    }
}
