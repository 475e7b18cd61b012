public import Foundation
import X509

extension Validator {
    /// Certificates expiring sooner than this get a warning.
    public static let certificateExpiryWarning: TimeInterval = 30 * 86400

    /// A Secret as a TLS credential: known keys, base64, PEM that parses, a key that belongs to the
    /// certificate, certificates within their validity (expired: error; expiring within 30 days or
    /// not yet valid: warning).
    static func validateSecret(_ spec: SecretSpec, now: Date, into issues: inout IssueCollector) {
        var size = 0
        for (field, values) in [("data", spec.data), ("stringData", spec.stringData)] {
            for key in values.keys.sorted() {
                let path = "\(field).\(key)"
                let value = values[key] ?? ""
                size += value.utf8.count
                if !SecretSpec.knownKeys.contains(key) {
                    issues.error(path, "unknown key, meshbox reads \(SecretSpec.knownKeys.joined(separator: ", "))")
                } else if field == "stringData", spec.data[key] != nil {
                    issues.error(path, "also given in data; give each key once")
                } else if SecretSpec.isRedactionPlaceholder(value) {
                    issues.error(
                        path,
                        "is a redacted value as meshbox shows it, not key material: give the PEM (a redacted value is kept only while it matches the stored Secret)"
                    )
                } else if field == "data", SecretSpec.decodeBase64(value) == nil {
                    issues.error(path, "is not valid base64 (use stringData for plain PEM)")
                }
            }
        }
        if size > SecretSpec.maximumBytes {
            issues.error("data", "a Secret holds at most 1 MiB, this one \(size) bytes")
        }
        guard !issues.issues.contains(where: { $0.severity == .error }) else { return }

        let hasCertificate = spec.bytes(SecretSpec.certificateKey) != nil
        let hasKey = spec.bytes(SecretSpec.privateKeyKey) != nil
        switch spec.effectiveType {
        case .tls:
            if !hasCertificate {
                issues.error(
                    "data.tls.crt",
                    "missing required key: a kubernetes.io/tls Secret holds tls.crt and tls.key"
                )
            }
            if !hasKey {
                issues.error(
                    "data.tls.key",
                    "missing required key: a kubernetes.io/tls Secret holds tls.crt and tls.key"
                )
            }
        case .opaque:
            if hasCertificate != hasKey {
                let missing = hasCertificate ? SecretSpec.privateKeyKey : SecretSpec.certificateKey
                issues.error("data.\(missing)", "tls.crt and tls.key go together")
            } else if !hasCertificate, spec.bytes(SecretSpec.caCertificatesKey) == nil {
                issues.error("data", "a Secret for meshbox holds tls.crt and tls.key, or ca.crt")
            }
        }
        var leafKey: Certificate.PublicKey?
        if hasCertificate, let chain = spec.text(SecretSpec.certificateKey) {
            leafKey = checkChain(chain, at: spec.path(of: SecretSpec.certificateKey), now: now, into: &issues)
        }
        if hasKey, let key = spec.text(SecretSpec.privateKeyKey) {
            checkPrivateKey(key, matching: leafKey, at: spec.path(of: SecretSpec.privateKeyKey), into: &issues)
        }
        if let bundle = spec.text(SecretSpec.caCertificatesKey) {
            checkCABundle(bundle, at: spec.path(of: SecretSpec.caCertificatesKey), now: now, into: &issues)
        }
    }

    /// `tls.crt`: CERTIFICATE blocks only, each a certificate within its validity; returns the leaf's key.
    private static func checkChain(
        _ pem: String,
        at path: String,
        now: Date,
        into issues: inout IssueCollector
    ) -> Certificate.PublicKey? {
        guard let certificates = certificates(in: pem, at: path, into: &issues) else { return nil }
        for (index, certificate) in certificates.enumerated() {
            let which = index == 0 ? "the certificate" : "chain certificate \(index + 1)"
            checkValidity(certificate, which: which, at: path, now: now, expiredIsError: true, into: &issues)
        }
        return certificates.first?.publicKey
    }

    /// `ca.crt`: certificates to verify peers with; an expired one is a warning unless all are.
    private static func checkCABundle(_ pem: String, at path: String, now: Date, into issues: inout IssueCollector) {
        guard let certificates = certificates(in: pem, at: path, into: &issues) else { return }
        let allExpired = certificates.allSatisfy { $0.notValidAfter < now }
        for (index, certificate) in certificates.enumerated() {
            let which = certificates.count == 1 ? "the CA certificate" : "CA certificate \(index + 1)"
            checkValidity(certificate, which: which, at: path, now: now, expiredIsError: allExpired, into: &issues)
        }
    }

    /// Parses every block as a certificate; nil (with an error) when the text is not a certificate list.
    private static func certificates(in pem: String, at path: String, into issues: inout IssueCollector)
        -> [CertificateFacts]?
    {
        let blocks: [PEMBlock]
        do {
            blocks = try PEMBlock.parseAll(pem)
        } catch {
            issues.error(path, "is not valid PEM: \(error.reason)")
            return nil
        }
        guard !blocks.isEmpty else {
            issues.error(path, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            return nil
        }
        var found: [CertificateFacts] = []
        for (index, block) in blocks.enumerated() {
            guard block.label == "CERTIFICATE" else {
                let hint = block.label.contains("PRIVATE KEY") ? "; a private key belongs in tls.key" : ""
                issues.error(path, "PEM block \(index + 1) is a \(block.label), not a CERTIFICATE\(hint)")
                return nil
            }
            do {
                found.append(try CertificateFacts(der: block.der))
            } catch {
                issues.error(path, "PEM block \(index + 1) is not an X.509 certificate: \(error.reason)")
                return nil
            }
        }
        return found
    }

    private static func checkValidity(
        _ certificate: CertificateFacts,
        which: String,
        at path: String,
        now: Date,
        expiredIsError: Bool,
        into issues: inout IssueCollector
    ) {
        let notAfter = certificate.notValidAfter.formatted(.iso8601)
        if certificate.notValidAfter < now {
            let message = "\(which) expired at \(notAfter)"
            if expiredIsError { issues.error(path, message) } else { issues.warning(path, message) }
        } else if certificate.notValidAfter.timeIntervalSince(now) < certificateExpiryWarning {
            let days = Int(certificate.notValidAfter.timeIntervalSince(now) / 86400)
            let within = days == 0 ? "less than a day" : "\(days) day\(days == 1 ? "" : "s")"
            issues.warning(path, "\(which) expires in \(within), at \(notAfter)")
        }
        if certificate.notValidBefore > now {
            issues.warning(path, "\(which) is not valid before \(certificate.notValidBefore.formatted(.iso8601))")
        }
    }

    /// `tls.key`: exactly one unencrypted private key, belonging to the leaf certificate.
    private static func checkPrivateKey(
        _ pem: String,
        matching leaf: Certificate.PublicKey?,
        at path: String,
        into issues: inout IssueCollector
    ) {
        let blocks: [PEMBlock]
        do {
            blocks = try PEMBlock.parseAll(pem)
        } catch {
            issues.error(path, "is not valid PEM: \(error.reason)")
            return
        }
        let keys = blocks.filter { $0.label.hasSuffix("PRIVATE KEY") }
        guard keys.count == 1, let block = keys.first else {
            issues.error(path, "must hold exactly one PEM private key, found \(keys.count)")
            return
        }
        if block.label == "ENCRYPTED PRIVATE KEY" {
            issues.error(path, "is encrypted; meshbox needs an unencrypted private key")
            return
        }
        let own: Certificate.PublicKey
        do {
            own = try CertificateFacts.publicKey(ofPrivateKey: block)
        } catch {
            issues.error(path, "is not a private key: \(error.reason)")
            return
        }
        if let leaf, own != leaf {
            issues.error(path, "does not match the certificate in tls.crt (its public key differs)")
        }
    }
}
