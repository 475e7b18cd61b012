/// The PEM material a `Snapshot.SecretReference` stands for, once read from its source.
///
/// A reference of kind `.certificate` fills the chain and key; one of kind `.validationContext` fills
/// the CA bundle. A credential may fill all three, and the consumer takes what the reference's kind
/// asks for. Hashable on the contents, so that caches (`ServerTLSContexts`) rebuild a TLS context
/// exactly when a certificate, key or CA changed and reuse it otherwise.
public struct ResolvedSecret: Sendable, Hashable {
    /// The certificate chain, leaf first, as PEM.
    public var certificateChainPEM: String?
    /// The private key of the leaf, as PEM (PKCS#8, SEC1 or PKCS#1).
    public var privateKeyPEM: String?
    /// CA certificates that verify peers, as PEM.
    public var trustedCAsPEM: String?

    public init(certificateChainPEM: String? = nil, privateKeyPEM: String? = nil, trustedCAsPEM: String? = nil) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.trustedCAsPEM = trustedCAsPEM
    }
}
