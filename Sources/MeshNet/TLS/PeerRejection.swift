/// Why an inbound connection was refused: a peer certificate that failed verification, a failed
/// handshake, or plain text on a STRICT port. An expected outcome, reported as a value.
public struct PeerRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let expired = Code("certificate_expired")
        public static let notYetValid = Code("certificate_not_yet_valid")
        public static let outsideTrustDomain = Code("outside_trust_domain")
        public static let noSPIFFEID = Code("no_spiffe_id")
        public static let untrustedIssuer = Code("untrusted_issuer")
        public static let noCertificate = Code("no_certificate")
        public static let malformedCertificate = Code("malformed_certificate")
        public static let handshakeFailed = Code("handshake_failed")
        public static let plaintextRefused = Code("plaintext_refused")
    }

    public var code: Code
    /// For a person: `certificate expired at 2026-01-01T00:00:00Z`.
    public var reason: String
    /// The peer's address, when known.
    public var peerAddress: String?

    public init(_ code: Code, _ reason: String, peerAddress: String? = nil) {
        self.code = code
        self.reason = reason
        self.peerAddress = peerAddress
    }

    public var description: String { reason }

    static let plaintextOnStrictPort = PeerRejection(
        .plaintextRefused,
        "plaintext connection refused: port requires mutual TLS (STRICT)"
    )
}
