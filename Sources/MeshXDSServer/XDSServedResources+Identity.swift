import MeshModel
import MeshXDS

extension XDSServedResources {
    /// The secrets of a snapshot an Envoy node's own identity fills: those that carry the data
    /// plane's mesh identity (`.workloadCertificate`, Istio's `default`, which ISTIO_MUTUAL
    /// clusters present) and the mesh bundle secrets (`ROOTCA`) the snapshot has no material for.
    struct IdentitySecrets: Sendable, Equatable {
        var certificates: [String] = []
        var bundles: [String] = []

        init(in snapshot: Snapshot) {
            for secret in snapshot.secrets {
                switch (secret.source, secret.kind) {
                case (.workloadCertificate, .certificate): certificates.append(secret.name)
                case (.meshTrustBundle, .validationContext) where secret.material?.trustedCAsPEM == nil:
                    bundles.append(secret.name)
                default: break
                }
            }
        }

        init() {}
    }

    /// These resources with `certificate` as the secrets `names` lists: an Envoy node's own
    /// identity in place of the one the control plane keeps to itself (`Snapshot.forRemoteNode()`),
    /// and the bundle it was issued with where the snapshot had none.
    func withWorkloadIdentity(_ certificate: XDSWorkloadCertificate, secrets names: IdentitySecrets) -> XDSServedResources {
        var served = self
        let key = Snapshot.SecretMaterial(
            certificateChainPEM: certificate.certificateChainPEM, privateKeyPEM: certificate.privateKeyPEM)
        let bundle = Snapshot.SecretMaterial(trustedCAsPEM: certificate.trustBundlePEM)
        let references =
            names.certificates.map { Snapshot.SecretReference(name: $0, kind: .certificate, source: .workloadCertificate, material: key) }
            + (certificate.trustBundlePEM.isEmpty ? [] : names.bundles).map {
                Snapshot.SecretReference(name: $0, kind: .validationContext, source: .meshTrustBundle, material: bundle)
            }
        for reference in references {
            served.insert(name: reference.name, body: XDSAny.pack(SecretTranslator.translate(reference).resource))
        }
        return served
    }
}
