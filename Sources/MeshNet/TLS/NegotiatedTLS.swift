public import X509

/// What a terminated TLS handshake settled, handed to the filter chain once the client is admitted.
public struct NegotiatedTLS: Sendable, Hashable {
    /// The ALPN protocol agreed (`h2`, `http/1.1`); nil when the client offered none the listener
    /// serves, which means HTTP/1.1 for an HTTPS listener.
    public var applicationProtocol: String?
    /// The client's certificate, verified against the listener's CA (mutual TLS); nil when none was sent.
    public var clientCertificate: Certificate?

    public init(applicationProtocol: String?, clientCertificate: Certificate?) {
        self.applicationProtocol = applicationProtocol
        self.clientCertificate = clientCertificate
    }
}
