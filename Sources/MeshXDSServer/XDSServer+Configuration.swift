import MeshCore

extension XDSServer {
    /// Where the ADS listener binds and how it authenticates nodes.
    public struct Configuration: Sendable {
        public var host: String
        /// 15012 as istiod; 0 picks a free port (`XDSServer.listeningPort()` says which).
        public var port: Int
        public var security: Security
        /// HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS):
        /// a node needs one ADS stream and a renewal now and then; 100 as Envoy's and istiod's
        /// defaults are far above that, so one connection cannot open streams without bound.
        public var maxConcurrentStreams: Int

        public init(host: String = "0.0.0.0", port: Int = 15012, security: Security, maxConcurrentStreams: Int = 100) {
            self.host = host
            self.port = port
            self.security = security
            self.maxConcurrentStreams = maxConcurrentStreams
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
        /// Serves `meshbox.v1.NodeCertificates.Renew` on the listener when set: a node renews
        /// its certificate with the one it presents (meshbox: `CertificateAuthority.renewNode`).
        public var renewNodeCertificate: XDSNodeCertificateRenewal?
        /// Renews the listener's own certificate when set: at two thirds of its remaining life
        /// the server asks for a new one, and new handshakes get it (`XDSServerCertificateRenewal`).
        /// Without it the certificate above is used until the process restarts.
        public var renewCertificate: XDSServerCertificateIssue?
        /// The mesh trust bundle as it changes (a root rotation): new handshakes verify clients
        /// against the newest (`XDSClientTrust`). Without it `trustRootsPEM` stays.
        public var trustBundleUpdates: AsyncStream<String>?

        public init(
            certificateChainPEM: String,
            privateKeyPEM: String,
            trustRootsPEM: String,
            nodeIdentity: @escaping @Sendable (_ nodeID: String) -> String,
            renewNodeCertificate: XDSNodeCertificateRenewal? = nil,
            renewCertificate: XDSServerCertificateIssue? = nil,
            trustBundleUpdates: AsyncStream<String>? = nil
        ) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
            self.trustRootsPEM = trustRootsPEM
            self.nodeIdentity = nodeIdentity
            self.renewNodeCertificate = renewNodeCertificate
            self.renewCertificate = renewCertificate
            self.trustBundleUpdates = trustBundleUpdates
        }
    }
}

extension XDSServer.Configuration {
    func validate() throws(MeshError) {
        guard (0...65535).contains(port) else {
            throw MeshError(.configuration, "xds.port: \(port) is not a port (0...65535)")
        }
        guard maxConcurrentStreams >= 1 else {
            throw MeshError(.configuration, "xds.maxConcurrentStreams: \(maxConcurrentStreams) must be at least 1")
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
