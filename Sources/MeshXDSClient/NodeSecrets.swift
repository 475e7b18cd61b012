import MeshModel

/// The snapshot's mesh identity secrets are the receiving node's own: the control plane sends
/// them without material (it must not ship its own key), and the node fills them in.
enum NodeSecrets {
    /// `.workloadCertificate` secrets get the node's certificate chain and key, `.meshTrustBundle`
    /// ones its trust bundle; every other secret is left as the server sent it.
    static func filled(_ snapshot: Snapshot, identity: NodeIdentity) -> Snapshot {
        var snapshot = snapshot
        for index in snapshot.secrets.indices {
            switch snapshot.secrets[index].source {
            case .workloadCertificate:
                snapshot.secrets[index].material = Snapshot.SecretMaterial(
                    certificateChainPEM: identity.certificateChainPEM, privateKeyPEM: identity.privateKeyPEM)
            case .meshTrustBundle:
                snapshot.secrets[index].material = Snapshot.SecretMaterial(trustedCAsPEM: identity.trustBundlePEM)
            case .credential, .files, .caFile:
                break
            }
        }
        return snapshot
    }
}
