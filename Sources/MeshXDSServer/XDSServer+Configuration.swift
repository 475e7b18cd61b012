import MeshCore

extension XDSServer {
    /// Where the ADS listener binds and how it authenticates nodes.
    public struct Configuration: Sendable {
        public var host: String
        /// 15012 as istiod; 0 picks a free port (`XDSServer.listeningPort()` says which).
        public var port: Int
        public var security: Security

        public init(host: String = "0.0.0.0", port: Int = 15012, security: Security) {
            self.host = host
            self.port = port
            self.security = security
        }
    }

    public enum Security: Sendable {
        /// Mutual TLS: the server presents `certificateChainPEM`; a client must present a
        /// certificate that chains to `trustRootsPEM` (the mesh CA's bundle) and names the node
        /// it asks for: `nodeIdentity(Node.id)` among its URI names.
        case mutualTLS(TLS)
        /// No TLS, no client identity: for tests only, and refused on anything but a loopback address.
        case plaintextLoopbackForTesting
    }

    public struct TLS: Sendable {
        public var certificateChainPEM: String
        public var privateKeyPEM: String
        public var trustRootsPEM: String
        public var nodeIdentity: @Sendable (_ nodeID: String) -> String

        public init(
            certificateChainPEM: String,
            privateKeyPEM: String,
            trustRootsPEM: String,
            nodeIdentity: @escaping @Sendable (_ nodeID: String) -> String
        ) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.trustRootsPEM = trustRootsPEM
            self.nodeIdentity = nodeIdentity
        }
    }
}

extension XDSServer.Configuration {
    func validate() throws(MeshError) {
        guard (0...65535).contains(port) else {
            throw MeshError(.configuration, "xds.port: \(port) is not a port (0...65535)")
        }
        if case .plaintextLoopbackForTesting = security, !Self.isLoopback(host) {
            throw MeshError(
                .configuration,
                "xds.host: \(host): plaintext ADS (a test setting) only listens on a loopback address"
            )
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }
}
