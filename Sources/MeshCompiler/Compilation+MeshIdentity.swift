import MeshAPI
import MeshModel

extension Compilation {
    /// Istio's SDS names of the mesh identity secrets.
    static let workloadCertificateSecretName = "default"
    static let meshTrustBundleSecretName = "ROOTCA"

    /// Registers the gateway's mesh workload certificate (`default`) and the mesh trust bundle
    /// (`ROOTCA`) for ISTIO_MUTUAL, with their material inline when the ca role gave it. Without it
    /// the secrets are registered bare, and a warning at `path` says why TLS with them is refused.
    mutating func meshIdentitySecrets(owner: ResourceKey, path: String, refused: String) -> (
        certificate: String, trustedCA: String
    ) {
        let workload = ca?.workload.map {
            Snapshot.SecretMaterial(certificateChainPEM: $0.certificateChainPEM, privateKeyPEM: $0.privateKeyPEM)
        }
        let bundle = ca.flatMap { $0.trustBundlePEM.isEmpty ? nil : Snapshot.SecretMaterial(trustedCAsPEM: $0.trustBundlePEM) }
        if ca == nil {
            warn(
                owner, path,
                "ISTIO_MUTUAL needs the gateway's mesh workload certificate, which comes from the ca role; it does not run in this process, so \(refused)"
            )
        } else if workload == nil || bundle == nil {
            warn(
                owner, path,
                "ISTIO_MUTUAL needs the gateway's mesh workload certificate, which the ca role has not issued yet (see the log); until it does, \(refused)"
            )
        }
        let certificate = addMeshSecret(Self.workloadCertificateSecretName, .certificate, .workloadCertificate, workload)
        let trustedCA = addMeshSecret(Self.meshTrustBundleSecretName, .validationContext, .meshTrustBundle, bundle)
        return (certificate, trustedCA)
    }

    /// The mesh trust bundle alone (`ROOTCA`), for a mutual server with a mesh-CA certificate.
    mutating func meshTrustBundleSecret(owner: ResourceKey, path: String) -> String {
        let bundle = ca.flatMap { $0.trustBundlePEM.isEmpty ? nil : Snapshot.SecretMaterial(trustedCAsPEM: $0.trustBundlePEM) }
        if bundle == nil {
            warn(owner, path, "the mesh trust bundle comes from the ca role, which does not run in this process; TLS on this server is refused")
        }
        return addMeshSecret(Self.meshTrustBundleSecretName, .validationContext, .meshTrustBundle, bundle)
    }

    /// The SPIFFE IDs the instances of `target` run as, when the registry knows them:
    /// `Instance.spiffeID`, `spiffe://<trust-domain>/ns/<namespace>/sa/<serviceAccount>` (the identity
    /// a node may request for the workloads registered on it). Nil without CA material or registered
    /// instances.
    func serviceIdentities(of target: ServiceTarget?) -> [String]? {
        guard let ca, let target else { return nil }
        let identities = instances(of: target)
            .filter { $0.source == .api }
            .map { $0.spiffeID(trustDomain: ca.trustDomain) }
        return identities.isEmpty ? nil : Array(Set(identities)).sorted()
    }

    /// The certificate secret of a Gateway server with `credentialName: meshbox-ca`: the mesh CA's
    /// certificate for the server's hosts, inline. Nil (with an error at the host's path) when a host
    /// is `*`, a wildcard or no DNS name; registered bare (with a warning) while the CA has not issued it.
    mutating func meshCAServerCertificate(_ server: GatewayServer) -> String? {
        guard
            let request = MeshCAMaterial.serverCertificateRequest(
                for: server.server, index: server.index, of: server.gateway)
        else { return nil }
        if let refusal = request.refusal {
            warn(
                FieldIssue(
                    resource: server.gateway.description, path: server.path + ".hosts[\(refusal.hostIndex)]",
                    message: "\(refusal.reason); this server is not served", severity: .error))
            return nil
        }
        let key = MeshCAMaterial.hostKey(request.dnsNames)
        let credential = ca?.serverCertificates[key]
        let shadowed = ResourceKey(kind: .secret, namespace: server.gateway.namespace, name: MeshCAMaterial.reservedCredentialName)
        if config.resources[shadowed] != nil {
            warn(
                server.gateway, server.path + ".tls.credentialName",
                "credentialName \(MeshCAMaterial.reservedCredentialName) is reserved for the mesh CA; Secret \(shadowed.namespace)/\(shadowed.name) is not used"
            )
        }
        if ca == nil {
            warn(
                server.gateway, server.path + ".tls.credentialName",
                "\(MeshCAMaterial.reservedCredentialName) certificates come from the ca role, which does not run in this process; TLS on this server is refused"
            )
        } else if credential == nil {
            warn(
                server.gateway, server.path + ".tls.credentialName",
                "the mesh CA has not issued the certificate for \(key) yet; TLS on this server is refused until it does"
            )
        }
        return addMeshSecret(
            "\(MeshCAMaterial.reservedCredentialName)://\(key)", .certificate,
            .credential(name: MeshCAMaterial.reservedCredentialName),
            credential.map {
                Snapshot.SecretMaterial(certificateChainPEM: $0.certificateChainPEM, privateKeyPEM: $0.privateKeyPEM)
            })
    }

    private mutating func addMeshSecret(
        _ name: String, _ kind: Snapshot.SecretReference.Kind, _ source: Snapshot.SecretReference.Source,
        _ material: Snapshot.SecretMaterial?
    ) -> String {
        secrets[name] = Snapshot.SecretReference(name: name, kind: kind, source: source, material: material)
        return name
    }
}
