extension Snapshot {
    /// A certificate or trust bundle served to the data plane by name (an SDS `Secret`).
    ///
    /// Files, the workload certificate and the mesh trust bundle travel as references the data
    /// plane resolves; a credential from the config store (`credentialName`) travels inline, in
    /// `material` (see `SecretMaterial`). Names follow Istio's SDS names:
    /// `kubernetes://<namespace>/<credentialName>` and `…-cacert` for a credential,
    /// `file-cert:<certificate>~<key>` and `file-root:<ca>` for files.
    public struct SecretReference: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            /// Certificate chain and private key (xDS `TlsCertificate`).
            case certificate
            /// CA certificates to verify peers with (xDS `CertificateValidationContext`).
            case validationContext
        }

        public enum Source: Sendable, Hashable, Codable {
            /// A credential meshbox holds (Istio's `credentialName`); `name` is `<namespace>/<name>` of
            /// the `Secret` when the compiler resolved it against the config store.
            case credential(name: String)
            /// PEM files on the data plane's host.
            case files(certificate: String, privateKey: String)
            case caFile(String)
            /// The data plane's own mesh workload certificate (Istio's `default`, for ISTIO_MUTUAL).
            case workloadCertificate
            /// The mesh CA's trust bundle (Istio's `ROOTCA`, for ISTIO_MUTUAL).
            case meshTrustBundle
        }

        public var name: String
        public var kind: Kind
        public var source: Source
        /// The key material itself, when the compiler had it (a credential from the config store).
        public var material: SecretMaterial?

        public init(name: String, kind: Kind, source: Source, material: SecretMaterial? = nil) {
            self.name = name
            self.kind = kind
            self.source = source
            self.material = material
        }
    }
}
