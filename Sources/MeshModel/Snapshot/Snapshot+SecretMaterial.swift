extension Snapshot {
    /// Key material carried inline in a secret reference, like an SDS `Secret` with inline
    /// `DataSource`s: `tls_certificate { certificate_chain, private_key }` for a `.certificate`
    /// secret, `validation_context { trusted_ca }` for a `.validationContext` one.
    ///
    /// The compiler fills it for credentials from the config store (`credentialName`), so the data
    /// plane needs no other lookup and a rotated Secret changes the snapshot. Its `description` and
    /// mirror are always redacted (logs, test output, `dump`); its `Encodable` form is redacted for
    /// encoders that set `CodingUserInfoKey.redactSecrets`, as the admin API's does
    /// (`/api/v1/snapshot`), and kept for others (a data plane persisting its last snapshot).
    public struct SecretMaterial: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
        CustomReflectable
    {
        /// The certificate chain, leaf first, as PEM.
        public var certificateChainPEM: String?
        /// The leaf's private key, as PEM.
        public var privateKeyPEM: String?
        /// CA certificates that verify peers, as PEM.
        public var trustedCAsPEM: String?

        public init(certificateChainPEM: String? = nil, privateKeyPEM: String? = nil, trustedCAsPEM: String? = nil) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.trustedCAsPEM = trustedCAsPEM
        }

        enum CodingKeys: String, CodingKey {
            case certificateChainPEM = "certificateChain"
            case privateKeyPEM = "privateKey"
            case trustedCAsPEM = "trustedCA"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            let redacting = encoder.userInfo[.redactSecrets] as? Bool == true
            let shown: (String) -> String = { redacting ? Self.redact($0) : $0 }
            try container.encodeIfPresent(certificateChainPEM.map(shown), forKey: .certificateChainPEM)
            try container.encodeIfPresent(privateKeyPEM.map(shown), forKey: .privateKeyPEM)
            try container.encodeIfPresent(trustedCAsPEM.map(shown), forKey: .trustedCAsPEM)
        }

        public var description: String {
            let parts = [
                certificateChainPEM.map { "certificateChain: \(Self.redact($0))" },
                privateKeyPEM.map { "privateKey: \(Self.redact($0))" },
                trustedCAsPEM.map { "trustedCA: \(Self.redact($0))" },
            ]
            return "SecretMaterial(" + parts.compactMap { $0 }.joined(separator: ", ") + ")"
        }

        public var debugDescription: String { description }

        public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }

        static func redact(_ pem: String) -> String {
            SecretSpec.isRedactionPlaceholder(pem) ? pem : SecretSpec.redactionPlaceholder(for: Array(pem.utf8))
        }
    }
}
