import Crypto
import Foundation
import GRDB
import Logging
public import MeshAPI
import MeshCore
import SwiftASN1
import X509

extension CertificateAuthority {
    /// Replaces the root. New leaves are signed by the new root from now on; the old root stays
    /// in the bundle until the last leaf it signed expires, and the new root cross-signed by the
    /// old one travels in `chainPEM` meanwhile, for peers that only trust the old root.
    public func rotateRoot() async throws -> CertificateAuthorityStatus {
        try checkOpen()
        guard plugged == nil else {
            throw MeshError(.conflict, "root rotation is not available with a plugged-in intermediate CA; plug in a new one")
        }
        guard !rotating else { throw MeshError(.conflict, "a root rotation is already in progress") }
        rotating = true
        defer { rotating = false }
        let moment = now()
        let old = signer
        guard let oldGeneration = old.generation else { throw MeshError(.internal, "the active root has no generation") }
        let generation = (roots.map(\.row.generation).max() ?? 0) + 1
        let key = Self.newRootKey(directory: directory, generation: generation, logger: logger)
        let made = try Self.makeRoot(
            key: key, generation: generation, trustDomain: trustDomain, ttl: options.rootTTL, now: moment)
        let cross: Certificate
        do {
            cross = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: made.publicKey,
                notValidBefore: made.notValidBefore, notValidAfter: min(made.notValidAfter, old.certificate.notValidAfter),
                issuer: old.certificate.subject, subject: made.subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: made.publicKey)
                    if let ski = try old.certificate.extensions.subjectKeyIdentifier {
                        AuthorityKeyIdentifier(keyIdentifier: ski.keyIdentifier)
                    }
                }, issuerPrivateKey: old.key)
        } catch {
            throw MeshError(.internal, "cannot cross-sign the new root", cause: error)
        }
        let row = try Self.writeRootFiles(
            directory: directory, generation: generation, key: key, certificate: made, crossSigned: cross, now: moment)
        try await pool.write { db in
            try CADatabase.setStatus(db, generation: oldGeneration, status: .retiring)
            try CADatabase.insert(db, root: row)
        }
        // Re-read after the await: a leaf signed meanwhile raised the old root's mark in the database too.
        if let index = roots.firstIndex(where: { $0.row.generation == oldGeneration }) {
            roots[index].row.status = .retiring
        }
        roots.append(Root(row: row, certificate: made, crossSigned: cross))
        signer = Signer(certificate: made, key: .init(key), generation: generation)
        logger.info(
            "Rotated root certificate",
            metadata: [
                "ca.root_generation": "\(generation)", "ca.root_serial": "\(made.serialHex)",
                "ca.previous_generation": "\(oldGeneration)",
            ])
        metrics.recordExpiry(kind: "root", name: made.serialHex, notAfter: made.notValidAfter)
        return await status()
    }

    // MARK: - Creating and loading roots

    static func makeRoot(
        key: P256.Signing.PrivateKey, generation: Int, trustDomain: String, ttl: Duration, now: Date
    ) throws -> Certificate {
        // Later generations get their own name so chain building never confuses two roots.
        let commonName = "meshbox root CA \(trustDomain)" + (generation > 1 ? " G\(generation)" : "")
        do {
            let name = try DistinguishedName {
                OrganizationName("meshbox")
                CommonName(commonName)
            }
            let publicKey = Certificate.PublicKey(key.publicKey)
            return try Certificate(
                version: .v3, serialNumber: .init(), publicKey: publicKey,
                notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(ttl.seconds),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                }, issuerPrivateKey: .init(key))
        } catch {
            throw MeshError(.internal, "cannot create the root certificate", cause: error)
        }
    }

    static func keyFile(directory: String, generation: Int) -> String {
        directory + "/root-\(generation).key.pem"
    }

    /// The key of a new root `generation`. The key file is written before the root's row, so a
    /// crash in between leaves a key file no row names (no row has this generation yet, so
    /// nothing ever used it): a readable P-256 key there is adopted, anything else is replaced.
    static func newRootKey(directory: String, generation: Int, logger: Logger) -> P256.Signing.PrivateKey {
        let path = keyFile(directory: directory, generation: generation)
        guard CAKeyFile.exists(path) else { return P256.Signing.PrivateKey() }
        if let text = try? CAKeyFile.read(path, what: "root key"), let key = try? P256.Signing.PrivateKey(pemRepresentation: text) {
            logger.notice("Adopted the root key of an interrupted root creation", metadata: ["ca.key_file": "\(path)"])
            return key
        }
        logger.warning("Replacing an unreadable root key file that no root uses", metadata: ["ca.key_file": "\(path)"])
        return P256.Signing.PrivateKey()
    }

    /// Writes the key and the certificate of a new root (0600, atomically; see `newRootKey`).
    static func writeRootFiles(
        directory: String, generation: Int, key: P256.Signing.PrivateKey, certificate: Certificate,
        crossSigned: Certificate?, now: Date
    ) throws -> RootRow {
        let keyFile = keyFile(directory: directory, generation: generation)
        try CAKeyFile.writePrivate(keyFile, contents: key.pemRepresentation)
        try CAKeyFile.writePrivate(directory + "/root-\(generation).cert.pem", contents: certificate.pem)
        return RootRow(
            generation: generation, certificatePEM: certificate.pem, crossSignedPEM: crossSigned?.pem,
            status: .active, keyFile: keyFile, createdAt: now, lastLeafNotAfter: nil)
    }

    /// First start: makes generation 1. Later starts: loads the roots and the active key.
    static func loadOrCreateRoot(
        directory: String, trustDomain: String, rootTTL: Duration, pool: DatabasePool, now: Date, logger: Logger
    ) throws -> (Signer, [Root]) {
        var rows: [RootRow]
        do {
            rows = try pool.read { db in try CADatabase.roots(db) }
        } catch {
            throw MeshError(.io, "cannot read the CA database in \(directory)", cause: error)
        }
        if rows.isEmpty {
            let key = newRootKey(directory: directory, generation: 1, logger: logger)
            let certificate = try makeRoot(key: key, generation: 1, trustDomain: trustDomain, ttl: rootTTL, now: now)
            let row = try writeRootFiles(
                directory: directory, generation: 1, key: key, certificate: certificate, crossSigned: nil, now: now)
            do {
                try pool.write { db in try CADatabase.insert(db, root: row) }
            } catch {
                throw MeshError(.io, "cannot record the new root in the CA database", cause: error)
            }
            logger.info("Created root certificate", metadata: ["ca.root_serial": "\(certificate.serialHex)"])
            rows = [row]
        }
        let roots = try rows.map { row in
            Root(
                row: row,
                certificate: try Certificate(pemEncoded: row.certificatePEM),
                crossSigned: try row.crossSignedPEM.map { try Certificate(pemEncoded: $0) })
        }
        guard let active = roots.last(where: { $0.row.status == .active }) else {
            throw MeshError(.internal, "the CA database has no active root")
        }
        let keyText = try CAKeyFile.read(active.row.keyFile, what: "root key")
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyText)
        } catch {
            throw MeshError(.configuration, "cannot parse the root key \(active.row.keyFile)", cause: error)
        }
        guard key.publicKey == active.certificate.publicKey else {
            throw MeshError(.configuration, "the root key \(active.row.keyFile) does not match the active root certificate")
        }
        return (Signer(certificate: active.certificate, key: key, generation: active.row.generation), roots)
    }
}
