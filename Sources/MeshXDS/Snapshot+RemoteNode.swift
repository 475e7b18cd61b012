public import MeshModel

extension Snapshot {
    /// The snapshot as another node may receive it: no private key of the control plane leaves it.
    ///
    /// A secret whose source is `.workloadCertificate` (Istio's `default`) is the mesh identity of
    /// the data plane that uses it. In the control plane's own snapshot it carries the co-located
    /// gateway's certificate and key; another node must use its own identity instead, so the
    /// reference goes without material (a meshbox node fills it from its node certificate; an
    /// Envoy gets a certificate and key the CA issues for its node from the ADS server,
    /// `XDSEnvoyIdentities`, never this one). The mesh trust bundle and
    /// credentials (`credentialName`, files) are kept: the bundle is public, and a credential is
    /// the gateway's to serve wherever it runs, as Istio sends it to every gateway.
    public func forRemoteNode() -> Snapshot {
        guard secrets.contains(where: { $0.source == .workloadCertificate && $0.material != nil }) else { return self }
        var remote = self
        remote.secrets = secrets.map { secret in
            guard secret.source == .workloadCertificate else { return secret }
            var reference = secret
            reference.material = nil
            return reference
        }
        return remote
    }
}
