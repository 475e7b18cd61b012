public import MeshModel

/// One row of the VIP table the capture rules are made from: a service, its virtual IP and the
/// ports a client reaches it on. The VIP allocator (config store) produces these.
public struct ServiceVIP: Sendable, Hashable {
    /// The service's stable key (`namespace/name`, or a ServiceEntry host); names its chain.
    public var key: String
    /// IPv4 or IPv6 address, inside the configured VIP range of its family.
    public var address: String
    public var ports: [Port]

    public init(key: String, address: String, ports: [Port]) {
        self.key = key
        self.address = address
        self.ports = ports
    }

    public struct Port: Sendable, Hashable {
        public var number: Int
        public var `protocol`: PortProtocol

        public init(number: Int, protocol: PortProtocol = .tcp) {
            self.number = number
            self.protocol = `protocol`
        }

        /// Whether the port is TCP underneath (everything but UDP), so REDIRECT captures it.
        /// UDP services get kernel DNAT rules to their endpoints instead (not part of capture).
        public var isCapturedByRedirect: Bool { `protocol` != .udp }
    }
}
