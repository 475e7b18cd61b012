/// `spec` of a `ServiceEntry`: a service meshbox does not run (or runs outside its registry).
public struct ServiceEntrySpec: Sendable, Hashable, Codable {
    public var hosts: [String]
    /// Virtual IPs or CIDRs of the service.
    public var addresses: [String]
    public var ports: [Port]
    public var location: Location?
    public var resolution: Resolution?
    /// The instances, for `STATIC` (and optionally `DNS`) resolution.
    public var endpoints: [WorkloadEntry]
    public var exportTo: [String]
    public var subjectAltNames: [String]

    public init(
        hosts: [String] = [],
        addresses: [String] = [],
        ports: [Port] = [],
        location: Location? = nil,
        resolution: Resolution? = nil,
        endpoints: [WorkloadEntry] = [],
        exportTo: [String] = [],
        subjectAltNames: [String] = []
    ) {
        self.hosts = hosts
        self.addresses = addresses
        self.ports = ports
        self.location = location
        self.resolution = resolution
        self.endpoints = endpoints
        self.exportTo = exportTo
        self.subjectAltNames = subjectAltNames
    }

    public enum Location: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
        case meshExternal = "MESH_EXTERNAL"
        case meshInternal = "MESH_INTERNAL"
    }

    public enum Resolution: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
        case none = "NONE"
        case `static` = "STATIC"
        case dns = "DNS"
        case dnsRoundRobin = "DNS_ROUND_ROBIN"
    }

    /// A port of the service.
    public struct Port: Sendable, Hashable, Codable {
        public var number: UInt32
        public var `protocol`: PortProtocol?
        public var name: String?
        public var targetPort: UInt32?

        public init(number: UInt32, protocol: PortProtocol? = nil, name: String? = nil, targetPort: UInt32? = nil) {
            self.number = number
            self.protocol = `protocol`
            self.name = name
            self.targetPort = targetPort
        }
    }
}

extension ServiceEntrySpec: UnsupportedFieldsDeclaring {
    /// `subjectAltNames` is not checked against the upstream's certificate (the names checked come
    /// from a DestinationRule's `tls.subjectAltNames` or the registered instances' identities).
    static var unsupportedFields: Set<String> { ["subjectAltNames", "workloadSelector"] }
}
