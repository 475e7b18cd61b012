import MeshAPI
import MeshModel

extension Compilation {
    /// The snapshot secrets one `credentialName` stands for.
    struct CredentialSecrets {
        /// `kubernetes://<namespace>/<name>`: chain and key from `tls.crt` and `tls.key`.
        var certificate: String?
        /// `kubernetes://<namespace>/<name>-cacert`: CA certificates, for mutual TLS.
        var trustedCA: String?
    }

    /// The SDS name of a credential's secret, as Istio names them (`kubernetes://[namespace/]name`).
    static func credentialSecretName(namespace: String, name: String) -> String {
        "kubernetes://\(namespace)/\(name)"
    }

    /// Registers the secrets of Istio's `credentialName`, with their key material inline, taken
    /// from the config store's `Secret`s in `namespace`.
    ///
    /// The certificate and key come from `tls.crt` and `tls.key` of Secret `<namespace>/<name>`.
    /// CA certificates, as in Istio, from `ca.crt` of Secret `<name>-cacert` if it exists, else from
    /// `ca.crt` of `<name>`. What is missing is a warning at `path` of `owner`, and the secret is
    /// still registered without material, so the data plane refuses that TLS with a clear reason
    /// instead of serving something else. The compiler stays a pure function of its inputs: the
    /// Secret's validity in time was judged when it was applied, not here.
    ///
    /// Upstream TLS (DestinationRule `credentialName`) calls this too, with `certificate` only for
    /// `MUTUAL` and `trustedCA` always.
    mutating func addCredential(
        _ name: String,
        namespace: String,
        certificate: Bool,
        trustedCA: Bool,
        owner: ResourceKey,
        path: String
    ) -> CredentialSecrets {
        var result = CredentialSecrets()
        let primaryKey = ResourceKey(kind: .secret, namespace: namespace, name: name)
        let primary = storedSecret(primaryKey)
        if certificate {
            var material: Snapshot.SecretMaterial?
            if let primary {
                if let chain = primary.text(SecretSpec.certificateKey), let key = primary.text(SecretSpec.privateKeyKey)
                {
                    material = Snapshot.SecretMaterial(certificateChainPEM: chain, privateKeyPEM: key)
                } else {
                    warn(
                        owner,
                        path,
                        "Secret \(namespace)/\(name) holds no tls.crt and tls.key; TLS with it is refused"
                    )
                }
            } else {
                warn(
                    owner,
                    path,
                    "Secret \(namespace)/\(name) not found (credentialName is looked up in the \(owner.kind.rawValue)'s namespace); TLS with it is refused until it exists"
                )
            }
            result.certificate = addSecret(
                Self.credentialSecretName(namespace: namespace, name: name),
                .certificate,
                source: "\(namespace)/\(name)",
                material: material
            )
        }
        if trustedCA {
            let separateKey = ResourceKey(kind: .secret, namespace: namespace, name: name + "-cacert")
            let separate = storedSecret(separateKey)
            var source = separateKey
            var bundle: String?
            if let separate, let text = separate.text(SecretSpec.caCertificatesKey) {
                bundle = text
            } else if let text = primary?.text(SecretSpec.caCertificatesKey) {
                source = primaryKey
                bundle = text
            }
            if bundle == nil {
                warn(
                    owner,
                    path,
                    "no CA certificates for \(name): neither Secret \(namespace)/\(name)-cacert nor Secret \(namespace)/\(name) holds ca.crt; mutual TLS with it is refused"
                )
            }
            result.trustedCA = addSecret(
                Self.credentialSecretName(namespace: namespace, name: name + "-cacert"),
                .validationContext,
                source: "\(source.namespace)/\(source.name)",
                material: bundle.map { Snapshot.SecretMaterial(trustedCAsPEM: $0) }
            )
        }
        return result
    }

    private func storedSecret(_ key: ResourceKey) -> SecretSpec? {
        guard case .secret(let spec)? = config.resources[key]?.resource.spec else { return nil }
        return spec
    }

    private mutating func addSecret(
        _ name: String,
        _ kind: Snapshot.SecretReference.Kind,
        source: String,
        material: Snapshot.SecretMaterial?
    ) -> String {
        secrets[name] = Snapshot.SecretReference(
            name: name,
            kind: kind,
            source: .credential(name: source),
            material: material
        )
        return name
    }
}
