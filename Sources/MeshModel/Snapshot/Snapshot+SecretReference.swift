extension Snapshot {
    /// A certificate or trust bundle served to the data plane by name (an SDS `Secret`).
    ///
    /// The snapshot carries the reference, not key material: the gateway resolves it against the
    /// CA role (for `credentialName`) or the file system; the xDS server inlines it as SDS.
    /// Names follow Istio: `<credentialName>` and `<credentialName>-cacert` for a credential,
    /// `file-cert:<certificate>~<key>` and `file-root:<ca>` for files.
    public struct SecretReference: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            /// Certificate chain and private key (xDS `TlsCertificate`).
            case certificate
            /// CA certificates to verify peers with (xDS `CertificateValidationContext`).
            case validationContext
        }

        public enum Source: Sendable, Hashable, Codable {
            /// A credential meshbox holds (Istio's `credentialName`).
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

        public init(name: String, kind: Kind, source: Source) {
            self.name = name
            self.kind = kind
            self.source = source
        }
    }
}
