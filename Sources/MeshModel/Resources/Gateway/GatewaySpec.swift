/// `spec` of a `Gateway`: the ports a gateway listens on and the hosts it serves there.
public struct GatewaySpec: Sendable, Hashable, Codable {
    /// Labels of the gateway workloads that apply this configuration.
    public var selector: [String: String]
    public var servers: [Server]

    public init(selector: [String: String] = [:], servers: [Server] = []) {
        self.selector = selector
        self.servers = servers
    }
}

extension GatewaySpec {
    /// One listener of a gateway: a port, the hosts it admits and, optionally, TLS.
    public struct Server: Sendable, Hashable, Codable {
        public var port: Port?
        /// The address to bind to (default: every address).
        public var bind: String?
        /// Hosts exposed here, as `host`, `*.domain`, `*` or `namespace/host`.
        public var hosts: [String]
        public var tls: ServerTLSSettings?
        /// A name for the server, unique within the gateway.
        public var name: String?

        public init(
            port: Port? = nil,
            bind: String? = nil,
            hosts: [String] = [],
            tls: ServerTLSSettings? = nil,
            name: String? = nil
        ) {
            self.port = port
            self.bind = bind
            self.hosts = hosts
            self.tls = tls
            self.name = name
        }
    }

    /// A port a gateway server listens on.
    public struct Port: Sendable, Hashable, Codable {
        public var number: UInt32
        public var `protocol`: PortProtocol?
        public var name: String?
        /// Deprecated in Istio; kept for compatibility.
        public var targetPort: UInt32?

        public init(number: UInt32, protocol: PortProtocol? = nil, name: String? = nil, targetPort: UInt32? = nil) {
            self.number = number
            self.protocol = `protocol`
            self.name = name
            self.targetPort = targetPort
        }
    }
}

extension GatewaySpec.Server: UnsupportedFieldsDeclaring {
    /// `bind`: the gateway listens on every address of its node; the server's address is not applied.
    static var unsupportedFields: Set<String> { ["bind", "defaultEndpoint"] }
}

extension GatewaySpec.Port: UnsupportedFieldsDeclaring {
    /// `targetPort`: a gateway listens on `number` itself; nothing reads another port.
    static var unsupportedFields: Set<String> { ["targetPort"] }
}
