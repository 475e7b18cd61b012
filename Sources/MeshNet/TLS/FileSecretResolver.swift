import Foundation
import MeshCore
public import MeshModel

/// Resolves secret references on the data plane's host: PEM files are read here; credentials, the
/// workload certificate and the mesh trust bundle come from closures (`MeshLookup`) for a data plane
/// that gets them another way (remotely, SDS). A co-located ca role does not need them: its material
/// travels inline in the snapshot (`InlineSecretResolver`). A source without a closure is an error
/// naming what is missing.
///
/// Files are read on every `resolve`, which runs once per applied snapshot: a rotated certificate file
/// is picked up by the next snapshot, and `ServerTLSContexts` rebuilds only the contexts whose PEM changed.
public struct FileSecretResolver: SecretResolver {
    public typealias CredentialLookup = @Sendable (_ name: String) throws -> ResolvedSecret
    public typealias MeshLookup = @Sendable () throws -> ResolvedSecret

    private let credentials: CredentialLookup?
    private let workloadCertificate: MeshLookup?
    private let meshTrustBundle: MeshLookup?

    public init(
        credentials: CredentialLookup? = nil,
        workloadCertificate: MeshLookup? = nil,
        meshTrustBundle: MeshLookup? = nil
    ) {
        self.credentials = credentials
        self.workloadCertificate = workloadCertificate
        self.meshTrustBundle = meshTrustBundle
    }

    public func resolve(_ reference: Snapshot.SecretReference) throws -> ResolvedSecret {
        switch reference.source {
        case .files(let certificate, let privateKey):
            return ResolvedSecret(
                certificateChainPEM: try Self.readPEM(certificate, role: "certificate", secret: reference.name),
                privateKeyPEM: try Self.readPEM(privateKey, role: "private key", secret: reference.name)
            )
        case .caFile(let path):
            return ResolvedSecret(trustedCAsPEM: try Self.readPEM(path, role: "CA", secret: reference.name))
        case .credential(let name):
            guard let credentials else {
                throw MeshError(.notFound, "credential '\(name)' not found: no credential source is configured")
            }
            return try credentials(name)
        case .workloadCertificate:
            guard let workloadCertificate else {
                throw MeshError(
                    .notFound,
                    "workload certificate not found: this data plane has no mesh identity (it comes inline with the snapshot when the ca role runs in the same process)"
                )
            }
            return try workloadCertificate()
        case .meshTrustBundle:
            guard let meshTrustBundle else {
                throw MeshError(
                    .notFound,
                    "mesh trust bundle not found: this data plane has no mesh identity (it comes inline with the snapshot when the ca role runs in the same process)"
                )
            }
            return try meshTrustBundle()
        }
    }

    /// Reads a PEM file; errors say which file, for which secret, and why.
    static func readPEM(_ path: String, role: String, secret: String) throws(MeshError) -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MeshError(.configuration, "\(role) file '\(path)' of secret '\(secret)' does not exist")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MeshError(.configuration, "\(role) file '\(path)' of secret '\(secret)' cannot be read", cause: error)
        }
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN ") else {
            throw MeshError(.configuration, "\(role) file '\(path)' of secret '\(secret)' holds no PEM data")
        }
        return text
    }
}
