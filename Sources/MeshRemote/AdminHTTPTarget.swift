import Foundation

/// Where an admin request goes, taken apart from its URL: the address to connect to, the TLS
/// server name, the `Host` header and the request target (path and query, still percent-encoded).
struct AdminHTTPTarget: Sendable {
    var usesTLS: Bool
    /// The host to resolve and connect to (an IPv6 literal without brackets).
    var connectHost: String
    var port: Int
    /// The `Host` header: the host as written (IPv6 in brackets), with the port when the URL has one.
    var hostHeader: String
    /// The SNI name and the name the certificate must match; nil for an IP address, which is
    /// then matched against the certificate's IP address entries.
    var serverName: String?
    var requestTarget: String

    init(_ url: URL) throws(AdminHTTPError) {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            throw AdminHTTPError(kind: .connect, reason: "not an http(s) URL: \(url.absoluteString)")
        }
        usesTLS = scheme == "https"
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        connectHost = bare
        port = components.port ?? (usesTLS ? 443 : 80)
        let written = bare.contains(":") ? "[\(bare)]" : bare
        hostHeader = components.port.map { "\(written):\($0)" } ?? written
        serverName = Self.isIPAddress(bare) ? nil : bare
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        requestTarget = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
    }

    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
