extension SecretSpec {
    /// The validity of the leaf certificate (the first block of `tls.crt`); nil when the Secret
    /// has no certificate or it does not parse (validation reports that with its field path).
    public var certificateValidity: CertificateValidity? {
        guard let pem = text(Self.certificateKey), let blocks = try? PEMBlock.parseAll(pem),
            let leaf = blocks.first(where: { $0.label == "CERTIFICATE" }),
            let facts = try? CertificateFacts(der: leaf.der)
        else { return nil }
        return CertificateValidity(notValidBefore: facts.notValidBefore, notValidAfter: facts.notValidAfter)
    }
}
