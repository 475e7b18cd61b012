import MeshModel

extension Compilation {
    /// The TLS a cluster originates towards its endpoints (DestinationRule `tls`, Istio's
    /// `ClientTLSSettings`), registering its secrets; nil for `DISABLE`. Settings the data plane
    /// cannot honour yet are warned about at their field, and the cluster then refuses connections
    /// (503 `UF`) rather than fall back to plain text.
    mutating func upstreamTLS(
        _ tls: DestinationRuleSpec.ClientTLSSettings,
        cluster: Snapshot.Cluster,
        owner: ResourceKey,
        path: String
    ) -> Snapshot.UpstreamTLS? {
        let mode: Snapshot.UpstreamTLS.Mode
        switch tls.mode {
        case .disable, nil: return nil
        case .simple: mode = .simple
        case .mutual: mode = .mutual
        case .istioMutual: mode = .istioMutual
        }
        var result = Snapshot.UpstreamTLS(
            mode: mode,
            sni: tls.sni.flatMap { $0.isEmpty ? nil : $0 },
            subjectAltNames: tls.subjectAltNames,
            insecureSkipVerify: tls.insecureSkipVerify ?? false
        )
        if result.insecureSkipVerify {
            warn(
                owner,
                path + ".insecureSkipVerify",
                "the certificate of \(cluster.serviceHost) is not verified (neither its CA nor its names)"
            )
        }
        if mode == .istioMutual {
            let secrets = meshIdentitySecrets(
                owner: owner, path: path + ".mode", refused: "connections to \(cluster.name) are refused (503 UF)")
            result.certificateSecretName = secrets.certificate
            result.caSecretName = secrets.trustedCA
            // Without subjectAltNames, the upstream must prove the identity its instances run as.
            if result.subjectAltNames.isEmpty, !result.insecureSkipVerify,
                let identities = serviceIdentities(of: clusterRequests[cluster.name]?.target)
            {
                result.subjectAltNames = identities
            }
        } else if let credential = tls.credentialName, !credential.isEmpty {
            // The DestinationRule's namespace stands for the proxy's (meshbox's gateway has no pod).
            let secrets = addCredential(
                credential,
                namespace: owner.namespace,
                certificate: mode == .mutual,
                trustedCA: true,
                owner: owner,
                path: path + ".credentialName"
            )
            result.certificateSecretName = secrets.certificate
            result.caSecretName = secrets.trustedCA
        } else {
            if mode == .mutual, let certificate = tls.clientCertificate, let key = tls.privateKey {
                result.certificateSecretName = addSecret(
                    "file-cert:\(certificate)~\(key)",
                    .certificate,
                    .files(certificate: certificate, privateKey: key)
                )
            }
            if let ca = tls.caCertificates {
                result.caSecretName = addSecret("file-root:\(ca)", .validationContext, .caFile(ca))
            }
        }
        return result
    }

    /// The field path of the `tls` that applies to a cluster, by Istio's precedence: the subset's
    /// port-level, the subset's, the top-level port-level, the top-level settings.
    static func upstreamTLSPath(rule: DestinationRuleSpec, subset: String?, port: UInt32) -> String {
        func path(_ policy: DestinationRuleSpec.TrafficPolicy?, _ base: String) -> String? {
            guard let policy else { return nil }
            if let index = policy.portLevelSettings.firstIndex(where: { $0.port?.number == port }),
                policy.portLevelSettings[index].tls != nil
            {
                return base + ".portLevelSettings[\(index)].tls"
            }
            return policy.tls != nil ? base + ".tls" : nil
        }
        if let subset, let index = rule.subsets.firstIndex(where: { $0.name == subset }),
            let found = path(rule.subsets[index].trafficPolicy, "spec.subsets[\(index)].trafficPolicy")
        {
            return found
        }
        return path(rule.trafficPolicy, "spec.trafficPolicy") ?? "spec.trafficPolicy.tls"
    }
}
