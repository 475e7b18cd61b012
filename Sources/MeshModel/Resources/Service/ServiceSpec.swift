/// `spec` of a meshbox `Service` (where Istio relies on a Kubernetes Service): named ports and a VIP.
public struct ServiceSpec: Sendable, Hashable, Codable {
    public var ports: [Port]
    /// The virtual IP (IPv4 or IPv6); assigned from the service CIDR when absent.
    public var vip: String?

    public init(ports: [Port] = [], vip: String? = nil) {
        self.ports = ports
        self.vip = vip
    }

    /// A port of the service.
    public struct Port: Sendable, Hashable, Codable {
        public var name: String?
        public var number: UInt32
        /// `HTTP`, `HTTP2`, `GRPC`, `TCP`, `TLS` or `HTTPS`; default `TCP`.
        public var `protocol`: PortProtocol?
        /// The port instances listen on; default `number`.
        public var targetPort: UInt32?

        public init(name: String? = nil, number: UInt32, protocol: PortProtocol? = nil, targetPort: UInt32? = nil) {
            self.name = name
            self.number = number
            self.protocol = `protocol`
            self.targetPort = targetPort
        }
    }

    /// The protocols a meshbox `Service` port may use. UDP ports are served by the node proxy's
    /// kernel DNAT rules, not by a listener.
    public static let supportedProtocols: [PortProtocol] = [.http, .http2, .grpc, .tcp, .tls, .https, .udp]
}
