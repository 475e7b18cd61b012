public import MeshAPI

extension CertificateAuthority {
    /// A server certificate for `dnsNames` with a key made here, for a listener of this process that
    /// is not the gateway (the console's, `console.tls.meshCA`): the same narrow path as the
    /// gateway's `credentialName: meshbox-ca` (`signServerCertificate`: exact DNS names, no URI
    /// SAN, requester `gateway` in the issued log), reached from the composition root only.
    ///
    /// - Returns: the issued certificate (for `CertificateHolder`'s schedule) and its private key (PEM).
    public func issueListenerCertificate(
        dnsNames: [String], ttl: Duration?
    ) async throws -> (certificate: IssuedCertificate, privateKeyPEM: String) {
        let (csr, key) = try CSRBuilder.make(dnsNames: dnsNames)
        let issued = try await signServerCertificate(csrPEM: csr, dnsNames: dnsNames, ttl: ttl)
        return (issued, key)
    }
}

extension IssuedCertificate {
    /// The leaf then its intermediates, as a server presents them.
    public var presentedChainPEM: String {
        (certificatePEM.hasSuffix("\n") ? certificatePEM : certificatePEM + "\n") + chainPEM
    }
}
