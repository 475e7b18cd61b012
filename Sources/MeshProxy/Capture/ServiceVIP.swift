public import MeshModel

/// One row of the VIP table the capture rules are made from: a service, its virtual IP and the
/// ports a client reaches it on. The VIP allocator (config store) produces these; the registry adds
/// the endpoints of UDP ports.
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
        /// Where the kernel sends a UDP port's datagrams (DNAT, spread evenly): the healthy
        /// instances' addresses (of the VIP's family) and target ports. Read for UDP ports only
        /// (TCP ports go to the proxy, which balances itself); empty for a UDP port with no healthy
        /// instance, which then gets no rule.
        public var endpoints: [Endpoint]

        public init(number: Int, protocol: PortProtocol = .tcp, endpoints: [Endpoint] = []) {
            self.number = number
            self.protocol = `protocol`
            self.endpoints = endpoints
        }

        /// Whether the port is TCP underneath (everything but UDP), so REDIRECT captures it.
        /// UDP ports get kernel DNAT rules to their `endpoints` instead (see `UDPRules`).
        public var isCapturedByRedirect: Bool { `protocol` != .udp }
    }

    /// An address and port: an instance's, as a UDP port's DNAT target, or a VIP's (`UDPForwarding.Target`).
    public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// IPv4 or IPv6 address (no brackets).
        public var address: String
        public var port: Int

        public init(address: String, port: Int) {
            self.address = address
            self.port = port
        }

        /// `10.0.0.5:53`, `[fd00::5]:53`: as iptables writes `--to-destination`.
        public var description: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }

        public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
            (lhs.address, lhs.port) < (rhs.address, rhs.port)
        }
    }
}
