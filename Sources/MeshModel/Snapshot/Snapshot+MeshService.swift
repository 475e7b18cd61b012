extension Snapshot {
    /// A mesh service as the node proxy needs it outside the data path: the names its DNS server
    /// answers, the VIPs its capture rules redirect, the ports (with their names for SRV records)
    /// and, for UDP ports, where the kernel sends datagrams (DNAT). Compiled from config and
    /// registry state (`ConfigState.meshServices(registry:)`) and carried on the proxy's
    /// `virtualOutbound` listener (`Listener.services`), so a remote node gets it over xDS with the
    /// listeners and serves it from its persisted snapshot while the control plane is away.
    public struct MeshService: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            /// A meshbox `Service`: named `<name>.<namespace>.svc.<domain>` and its short forms.
            case service
            /// One host of a `ServiceEntry`: named by the host.
            case serviceEntry
        }

        public var kind: Kind
        public var namespace: String
        /// The resource's name (a ServiceEntry's, not its host's).
        public var name: String
        /// A ServiceEntry's host as written; nil for a Service.
        public var host: String?
        /// The VIPs the config store holds for it (fixed or allocated): captured and answered.
        public var vips: [String]
        /// Addresses the DNS server answers with but nothing captures (a ServiceEntry's
        /// `addresses`, a Service's `vip` the store does not hold).
        public var addresses: [String]
        public var ports: [Port]

        public init(
            kind: Kind, namespace: String, name: String, host: String? = nil, vips: [String], addresses: [String] = [],
            ports: [Port]
        ) {
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.host = host
            self.vips = vips
            self.addresses = addresses
            self.ports = ports
        }

        /// `namespace/name` for a Service, `namespace/name/host` for a ServiceEntry host (two
        /// entries may list one host, and each has its own VIPs): the capture rules' chain key.
        public var key: String {
            host.map { "\(namespace)/\(name)/\($0)" } ?? "\(namespace)/\(name)"
        }

        public struct Port: Sendable, Hashable, Codable {
            public var number: UInt32
            public var name: String?
            /// As written; nil is TCP.
            public var `protocol`: PortProtocol?
            /// For a UDP port only: the healthy instances' addresses and ports, sorted.
            public var endpoints: [Endpoint]

            public init(number: UInt32, name: String? = nil, protocol: PortProtocol? = nil, endpoints: [Endpoint] = []) {
                self.number = number
                self.name = name
                self.protocol = `protocol`
                self.endpoints = endpoints
            }
        }

        public struct Endpoint: Sendable, Hashable, Codable, Comparable {
            public var address: String
            public var port: UInt32

            public init(address: String, port: UInt32) {
                self.address = address
                self.port = port
            }

            public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
                (lhs.address, lhs.port) < (rhs.address, rhs.port)
            }
        }
    }

    /// The mesh services of the node proxy's original-destination listener (`virtualOutbound`);
    /// nil when the snapshot has no such listener (a node without the proxy role, the empty
    /// snapshot before the first compile) or the listener carries none: a snapshot persisted by
    /// a node before services were carried says nothing about them (an empty list would remove
    /// every capture rule until the control plane answers).
    public var meshServices: [MeshService]? {
        listeners.first { $0.role == .proxy && $0.useOriginalDestination }?.services
    }
}
