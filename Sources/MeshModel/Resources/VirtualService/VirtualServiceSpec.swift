/// `spec` of a `VirtualService`: how requests for some hosts are routed.
public struct VirtualServiceSpec: Sendable, Hashable, Codable {
    /// Destination hosts these rules apply to (`reviews`, `*.example.com`, `*`).
    public var hosts: [String]
    /// Gateways (`name` or `namespace/name`) and/or `mesh` (the sidecars); empty means `mesh`.
    public var gateways: [String]
    public var http: [HTTPRoute]
    public var tls: [TLSRoute]
    public var tcp: [TCPRoute]
    /// Namespaces the rules are visible to (`.` for this one, `*` for all); empty means all.
    public var exportTo: [String]

    public init(
        hosts: [String] = [],
        gateways: [String] = [],
        http: [HTTPRoute] = [],
        tls: [TLSRoute] = [],
        tcp: [TCPRoute] = [],
        exportTo: [String] = []
    ) {
        self.hosts = hosts
        self.gateways = gateways
        self.http = http
        self.tls = tls
        self.tcp = tcp
        self.exportTo = exportTo
    }

    /// The gateway name that stands for the sidecars of the mesh.
    public static let meshGateway = "mesh"
}
