import Foundation
import GRDB
import Logging
public import MeshAPI
import MeshCore
import SwiftASN1
import X509

extension CertificateAuthority {
    public func sign(csrPEM: String, ttl: Duration?, requester: CertificateRequester) async throws -> IssuedCertificate {
        try checkOpen()
        let (csr, identity) = try parseRequest(csrPEM)
        let lifetime = try leafLifetime(ttl)
        try await authorize(identity, requester: requester)
        return try await issue(csr: csr, identity: identity, lifetime: lifetime, requester: requester)
    }

    /// Parses a PEM CSR, checks its signature and reads the SANs it asks for.
    func verifiedRequest(_ csrPEM: String) throws -> (CertificateSigningRequest, [GeneralName]) {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(pemEncoded: csrPEM)
        } catch {
            throw MeshError(.invalidArgument, "the CSR is not a valid PEM certificate signing request", cause: error)
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw MeshError(.invalidArgument, "the CSR signature does not verify")
        }
        do {
            let names = try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames ?? SubjectAlternativeNames()
            return (csr, Array(names))
        } catch {
            throw MeshError(.invalidArgument, "the CSR's extension request cannot be read", cause: error)
        }
    }

    /// Parses and checks a CSR: valid signature, exactly one SAN, a URI SPIFFE ID in this trust domain.
    func parseRequest(_ csrPEM: String) throws -> (CertificateSigningRequest, SPIFFEID) {
        let (csr, names) = try verifiedRequest(csrPEM)
        guard names.count == 1, case .uniformResourceIdentifier(let uri) = names[0] else {
            throw MeshError(
                .invalidArgument, "the CSR must carry exactly one subject alternative name, a SPIFFE URI (it has \(names.count))")
        }
        let identity = try SPIFFEID(parsing: uri)
        guard identity.trustDomain == trustDomain else {
            throw MeshError(.invalidArgument, "\(uri) is not in trust domain \(trustDomain)")
        }
        return (csr, identity)
    }

    func leafLifetime(_ ttl: Duration?) throws -> Duration {
        let lifetime = ttl ?? options.defaultLeafTTL
        guard lifetime > .zero else { throw MeshError(.invalidArgument, "certificate TTL must be positive") }
        guard lifetime <= options.maxLeafTTL else {
            throw MeshError(
                .invalidArgument,
                "certificate TTL \(DurationText.format(lifetime)) exceeds the maximum \(DurationText.format(options.maxLeafTTL))")
        }
        return lifetime
    }

    /// An admin may have any identity in the trust domain; a node what `NodeAuthorization` allows.
    func authorize(_ identity: SPIFFEID, requester: CertificateRequester) async throws {
        guard case .node(let node) = requester else { return }
        let peer = SPIFFEID.node(node, trustDomain: trustDomain)
        let workloads = identity == peer ? [] : await workloadIdentities(node)
        let decision = NodeAuthorization.decide(
            peer: peer, requested: identity, trustDomain: trustDomain, workloadsOnNode: workloads)
        if case .denied(let reason) = decision { throw MeshError(.permissionDenied, reason) }
    }

    /// Signs the leaf with the current signer and logs it; throws if the log cannot be written
    /// (an unlogged leaf would not keep its root in the bundle).
    func issue(
        csr: CertificateSigningRequest, identity: SPIFFEID, lifetime: Duration, requester: CertificateRequester,
        sameTransaction: (@Sendable (Database) throws -> Void)? = nil
    ) async throws -> IssuedCertificate {
        try await issueLeaf(
            publicKey: csr.publicKey, names: [.uniformResourceIdentifier(identity.description)],
            logName: identity.description, lifetime: lifetime, requester: requester, requesterLabel: requester.label,
            expiryGauge: identity.nodeName != nil, sameTransaction: sameTransaction)
    }

    /// Signs a leaf for `names` (critical SANs, empty subject) with the current signer and logs it
    /// under `logName`; the SAN rules are the callers'. `sameTransaction` runs in the transaction
    /// that logs the leaf, before it: a `MeshError` it throws is the answer and nothing is
    /// written, and what it writes commits only with the log entry (a join spends its token there).
    func issueLeaf(
        publicKey: Certificate.PublicKey, names: [GeneralName], logName: String, lifetime: Duration,
        requester: CertificateRequester, requesterLabel: String, expiryGauge: Bool,
        sameTransaction: (@Sendable (Database) throws -> Void)? = nil
    ) async throws -> IssuedCertificate {
        try checkOpen()
        let moment = now()
        let signer = self.signer
        let notBefore = moment.addingTimeInterval(-60)
        let notAfter = min(moment.addingTimeInterval(lifetime.seconds), signer.certificate.notValidAfter)
        guard notAfter > moment else {
            throw MeshError(.unavailable, "the signing CA certificate has expired")
        }
        let leaf: Certificate
        do {
            let authorityKeyID = try signer.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            leaf = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: publicKey,
                notValidBefore: notBefore, notValidAfter: notAfter,
                issuer: signer.certificate.subject, subject: DistinguishedName(),
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    if let authorityKeyID { AuthorityKeyIdentifier(keyIdentifier: authorityKeyID) }
                    // Critical because the subject is empty (RFC 5280 4.2.1.6), as Istio does.
                    Critical(SubjectAlternativeNames(names))
                }, issuerPrivateKey: signer.key)
        } catch {
            throw MeshError(.internal, "cannot sign the certificate for \(logName)", cause: error)
        }
        let row = IssuedRow(
            serial: leaf.serialHex, spiffeID: logName, requester: requesterLabel,
            notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter, issuedAt: moment,
            rootGeneration: signer.generation)
        do {
            try await pool.write { [keep = options.issuedLogSize] db in
                try sameTransaction?(db)
                try CADatabase.record(db, issued: row, keep: keep)
            }
        } catch let error as MeshError {
            throw error
        } catch {
            throw MeshError(.io, "cannot record the issued certificate", cause: error)
        }
        if let generation = signer.generation, let index = roots.firstIndex(where: { $0.row.generation == generation }) {
            roots[index].row.lastLeafNotAfter = max(roots[index].row.lastLeafNotAfter ?? .distantPast, leaf.notValidAfter)
        }
        metrics.recordIssued(requester: requester)
        // Only node certificates get a gauge: one per node keeps the label set bounded.
        if expiryGauge {
            metrics.recordExpiry(kind: "leaf", name: logName, notAfter: leaf.notValidAfter)
        }
        logger.debug(
            "Issued certificate",
            metadata: [
                "ca.spiffe_id": "\(logName)", "ca.serial": "\(row.serial)", "ca.requester": "\(requesterLabel)",
            ])
        let bundle = await bundleRoots()
        return IssuedCertificate(
            // Ends with a newline like a PEM file, so `certificatePEM + chainPEM` is a valid chain file.
            certificatePEM: leaf.pem + "\n", chainPEM: chain(bundle: bundle).pem, trustBundlePEM: bundle.pem,
            spiffeID: logName, serialNumber: row.serial, notBefore: leaf.notValidBefore,
            notAfter: leaf.notValidAfter)
    }
}
