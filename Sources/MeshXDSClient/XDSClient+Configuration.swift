public import MeshCore
public import MeshModel

extension XDSClient {
    /// Where the control plane's ADS server is, how to trust it, and who this node is.
    public struct Configuration: Sendable {
        /// The ADS server's host (an IP address or a DNS name) and port.
        public var host: String
        public var port: Int
        public var security: Security
        /// The data-plane roles this node runs (`Node.metadata.roles`).
        public var roles: Set<DataPlaneRole>
        /// Where the node's certificate and last snapshot live (`<data-dir>/node/`).
        public var files: NodeFiles
        /// Between attempts to reach the control plane.
        public var backoff: Backoff
        /// Makes a fresh key and a CSR for a SPIFFE ID: for renewing the node certificate. Nil: no
        /// renewal (the certificate is used until it expires).
        public var makeCSR: (@Sendable (_ spiffeID: String) throws -> (csrPEM: String, privateKeyPEM: String))?

        public init(
            host: String, port: Int, security: Security, roles: Set<DataPlaneRole>, files: NodeFiles,
            backoff: Backoff = Backoff(),
            makeCSR: (@Sendable (_ spiffeID: String) throws -> (csrPEM: String, privateKeyPEM: String))? = nil
        ) {
            self.host = host
            self.port = port
            self.security = security
            self.roles = roles
            self.files = files
            self.backoff = backoff
            self.makeCSR = makeCSR
        }
    }

    public enum Security: Sendable, Equatable {
        /// Mutual TLS with the node's identity; the server's certificate must chain to the node's
        /// trust bundle and name `serverName` (the control plane's certificate names `localhost`
        /// and its node name).
        case mutualTLS(serverName: String)
        /// No TLS: for tests against a plaintext ADS server on loopback only.
        case plaintextLoopbackForTesting
    }

    /// The name to verify in the ADS server's certificate when the URL names `host`: the host
    /// itself when it is a DNS name, `localhost` for a loopback address (the control plane's
    /// certificate always names it); another IP address needs the name given (`nil`).
    public static func defaultServerName(host: String) -> String? {
        if host == "::1" || host.hasPrefix("127.") { return "localhost" }
        if host.contains(":") || host.split(separator: ".").allSatisfy({ UInt8($0) != nil }) { return nil }
        return host
    }
}
