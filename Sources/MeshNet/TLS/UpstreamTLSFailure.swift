import NIOSSL

/// Why TLS towards an upstream endpoint did not come up: a refused certificate, a failed or slow
/// handshake, or a cluster whose TLS settings could not be built. Counted as a connect failure
/// (`UF`), so retries on `connect-failure` and outlier detection see it.
public struct UpstreamTLSFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The upstream's chain does not lead to a trusted CA (or a certificate in it expired).
        public static let untrustedCertificate = Code("untrusted_certificate")
        /// The upstream's certificate is not valid for the SNI name.
        public static let hostnameMismatch = Code("hostname_mismatch")
        /// The upstream's certificate carries none of the `subjectAltNames` the DestinationRule asks for.
        public static let subjectAltNameMismatch = Code("subject_alt_name_mismatch")
        public static let handshakeFailed = Code("handshake_failed")
        public static let handshakeTimeout = Code("handshake_timeout")
        /// The cluster's TLS settings could not be turned into a context (missing secret, bad PEM, …).
        public static let notConfigured = Code("not_configured")
    }

    public var code: Code
    /// For a person: `upstream certificate SANs [a.example] match none of [b.example]`.
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    /// A reason a person can act on, from BoringSSL's or NIOSSL's error.
    static func classify(_ error: any Error, serverName: String?) -> UpstreamTLSFailure {
        if let failure = error as? UpstreamTLSFailure { return failure }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return UpstreamTLSFailure(
                .hostnameMismatch,
                "upstream certificate is not valid for \(serverName ?? "the endpoint's address")"
            )
        }
        let text = String(describing: error)
        func has(_ marks: String...) -> Bool { marks.contains { text.contains($0) } }
        if has("CERTIFICATE_VERIFY_FAILED") {
            return UpstreamTLSFailure(
                .untrustedCertificate,
                "upstream certificate failed verification (not issued by a trusted CA, or expired)"
            )
        }
        if has("CERTIFICATE_REQUIRED", "HANDSHAKE_FAILURE_ON_CLIENT_HELLO") {
            return UpstreamTLSFailure(
                .handshakeFailed,
                "upstream refused the handshake (does it require a client certificate?)"
            )
        }
        if has("UNKNOWN_CA", "BAD_CERTIFICATE", "CERTIFICATE_UNKNOWN") {
            return UpstreamTLSFailure(.handshakeFailed, "upstream refused the client certificate (\(text))")
        }
        if has("WRONG_VERSION_NUMBER", "UNSUPPORTED_PROTOCOL", "PROTOCOL_VERSION", "PACKET_LENGTH_TOO_LONG") {
            return UpstreamTLSFailure(.handshakeFailed, "upstream does not speak TLS (or shares no TLS version)")
        }
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
            return UpstreamTLSFailure(.handshakeFailed, "upstream closed the connection during the TLS handshake")
        }
        return UpstreamTLSFailure(.handshakeFailed, "TLS handshake with the upstream failed: \(text)")
    }

    static let closedDuringHandshake = UpstreamTLSFailure(
        .handshakeFailed,
        "upstream closed the connection during the TLS handshake"
    )
}
