public import Foundation

/// Who asks the CA for a certificate. Decides which SPIFFE identities may be requested.
public enum CertificateRequester: Sendable, Hashable, Codable {
    /// An operator (admin API, CLI): any identity in the trust domain.
    case admin
    /// A node, by name: its own node identity and the identities of its workloads.
    case node(String)
}

/// A certificate the CA issued, as PEM text (no X.509 types, so any role can pass it on).
public struct IssuedCertificate: Sendable, Hashable, Codable {
    /// The leaf certificate.
    public var certificatePEM: String
    /// Intermediates from the leaf's issuer up to, excluding, the root (empty for a self-made
    /// root outside a rotation; during a rotation the new root cross-signed by the old one).
    public var chainPEM: String
    /// Every root a peer should trust now.
    public var trustBundlePEM: String
    public var spiffeID: String
    /// Lowercase hex, no separators.
    public var serialNumber: String
    public var notBefore: Date
    public var notAfter: Date

    public init(
        certificatePEM: String, chainPEM: String, trustBundlePEM: String, spiffeID: String, serialNumber: String,
        notBefore: Date, notAfter: Date
    ) {
        self.certificatePEM = certificatePEM
        self.chainPEM = chainPEM
        self.trustBundlePEM = trustBundlePEM
        self.spiffeID = spiffeID
        self.serialNumber = serialNumber
        self.notBefore = notBefore
        self.notAfter = notAfter
    }
}

/// A one-time join token. `token` is the secret: it is shown once, the CA keeps only its hash.
public struct JoinToken: Sendable, Hashable, Codable {
    public var token: String
    public var expiresAt: Date
    /// The only node that may use the token.
    public var nodeName: String

    public init(token: String, expiresAt: Date, nodeName: String) {
        self.token = token
        self.expiresAt = expiresAt
        self.nodeName = nodeName
    }
}

/// A CA certificate (root or intermediate) as the status shows it.
public struct CACertificateSummary: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Signs new certificates.
        case active
        /// Replaced by a newer root, still trusted until the last certificate it issued expires.
        case retiring
        /// Part of a plugged-in chain (not held by meshbox).
        case external
    }

    public var subject: String
    public var serialNumber: String
    public var notBefore: Date
    public var notAfter: Date
    /// SHA-256 of the DER encoding, lowercase hex.
    public var fingerprintSHA256: String
    public var state: State

    public init(
        subject: String, serialNumber: String, notBefore: Date, notAfter: Date, fingerprintSHA256: String,
        state: State
    ) {
        self.subject = subject
        self.serialNumber = serialNumber
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.fingerprintSHA256 = fingerprintSHA256
        self.state = state
    }
}

/// One entry of the CA's log of issued certificates.
public struct IssuedCertificateRecord: Sendable, Hashable, Codable {
    public var spiffeID: String
    public var serialNumber: String
    public var notAfter: Date
    public var issuedAt: Date
    /// `admin` or `node:<name>`.
    public var requester: String

    public init(spiffeID: String, serialNumber: String, notAfter: Date, issuedAt: Date, requester: String) {
        self.spiffeID = spiffeID
        self.serialNumber = serialNumber
        self.notAfter = notAfter
        self.issuedAt = issuedAt
        self.requester = requester
    }
}

/// What the CA shows about itself. Never contains key material.
public struct CertificateAuthorityStatus: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable {
        /// meshbox made and holds the root.
        case selfSigned = "self-signed"
        /// An operator-provided intermediate signs; its roots are external.
        case pluggedIntermediate = "plugged-intermediate"
    }

    public var trustDomain: String
    public var mode: Mode
    public var roots: [CACertificateSummary]
    public var intermediates: [CACertificateSummary]
    /// Newest first, at most the CA's retention.
    public var issued: [IssuedCertificateRecord]

    public init(
        trustDomain: String, mode: Mode, roots: [CACertificateSummary], intermediates: [CACertificateSummary],
        issued: [IssuedCertificateRecord]
    ) {
        self.trustDomain = trustDomain
        self.mode = mode
        self.roots = roots
        self.intermediates = intermediates
        self.issued = issued
    }
}

// The admin API's request bodies for the CA (the console decodes them, `meshbox` CLI sends them).

/// `POST /api/v1/ca/sign`: a CSR in PEM and an optional lifetime (`24h`).
public struct CASignRequest: Sendable, Hashable, Codable {
    public var csr: String
    public var ttl: String?

    public init(csr: String, ttl: String? = nil) {
        self.csr = csr
        self.ttl = ttl
    }
}

/// `POST /api/v1/ca/tokens` (and the empty body of `/api/v1/ca/rotate-root`).
public struct JoinTokenRequest: Sendable, Hashable, Codable {
    public var ttl: String?
    public var nodeName: String?

    public init(ttl: String? = nil, nodeName: String? = nil) {
        self.ttl = ttl
        self.nodeName = nodeName
    }
}

/// `POST /join/v1/node`: the one call a node makes before it has any credential.
public struct NodeJoinRequest: Sendable, Hashable, Codable {
    public var token: String
    public var nodeName: String
    public var csr: String

    public init(token: String, nodeName: String, csr: String) {
        self.token = token
        self.nodeName = nodeName
        self.csr = csr
    }
}

/// The ca role's contract.
///
/// Identities are SPIFFE IDs `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`,
/// taken from the CSR's only URI SAN. Errors are `MeshError`s: `.invalidArgument` for a bad CSR,
/// identity or TTL, `.permissionDenied` for an identity the requester may not have,
/// `.unauthenticated` for a bad, used or expired join token.
public protocol CertificateAuthorityAPI: Sendable {
    /// Signs a CSR. `ttl` nil means the CA's default; above the CA's maximum is refused.
    func sign(csrPEM: String, ttl: Duration?, requester: CertificateRequester) async throws -> IssuedCertificate
    /// Every root peers should trust now, concatenated PEM.
    func trustBundlePEM() async -> String
    func status() async -> CertificateAuthorityStatus
    /// Makes a one-time token for `meshbox join` by the node `nodeName` (required: a token
    /// without a name would join as any node). The secret is returned only here.
    func createJoinToken(ttl: Duration, nodeName: String) async throws -> JoinToken
    /// Spends a join token on the node's first certificate; the CSR must ask for the node
    /// identity `spiffe://<td>/ns/meshbox-system/sa/node-<nodeName>`. A node name joins once.
    func joinNode(token: String, nodeName: String, csrPEM: String) async throws -> IssuedCertificate
    /// Replaces the root; the old one stays in the bundle until its last leaf expires.
    func rotateRoot() async throws -> CertificateAuthorityStatus
}

extension CertificateRequester {
    /// `admin` or `node:<name>`, as logs and the issued log show it.
    public var label: String {
        switch self {
        case .admin: "admin"
        case .node(let name): "node:\(name)"
        }
    }
}
