import Foundation

/// A request to explain: what the data plane would do with it, without sending it.
///
/// Only `host` is required. The listener is picked by name, else by port, else the only
/// HTTP-serving listener; `serverName` (the TLS SNI) defaults to the host without its port.
/// With `mesh`, the request is what a program on a proxy host sends to a service's VIP or name:
/// the node proxy's listener for that VIP and port (`<vip>_<port>`) takes it.
public struct ExplainRequest: Sendable, Hashable, Codable {
    /// One request header as sent; names compare case-insensitively, a name may repeat.
    public struct Header: Sendable, Hashable, Codable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The data-plane listener's port (the port clients connect to, offset included).
    public var listenerPort: Int?
    /// The listener's name (`127.0.0.1_8080`); takes precedence over `listenerPort`.
    public var listenerName: String?
    /// Sent by a program on a proxy host to a service VIP or name (captured by the node proxy),
    /// not to a gateway listener: `listenerPort` is then the service port (else the host's
    /// `:port`, else 80).
    public var mesh: Bool
    public var method: String
    /// The Host/`:authority`, optionally with a port.
    public var host: String
    /// The request target: a path with an optional `?query`.
    public var path: String
    public var headers: [Header]
    /// The client's address (AuthorizationPolicy `ipBlocks`/`remoteIpBlocks`, `sourceIP` hashing).
    public var sourceIP: String?
    /// The client certificate's SPIFFE ID (`spiffe://cluster.local/ns/a/sa/b` or without the scheme).
    public var sourcePrincipal: String?
    /// The TLS server name (SNI) the client sends; defaults to the host without port.
    public var serverName: String?
    /// Overrides the namespace of the workload that enforces authorization (the gateway's).
    public var workloadNamespace: String?
    /// Overrides that workload's labels.
    public var workloadLabels: [String: String]?

    public init(
        listenerPort: Int? = nil,
        listenerName: String? = nil,
        mesh: Bool = false,
        method: String = "GET",
        host: String,
        path: String = "/",
        headers: [Header] = [],
        sourceIP: String? = nil,
        sourcePrincipal: String? = nil,
        serverName: String? = nil,
        workloadNamespace: String? = nil,
        workloadLabels: [String: String]? = nil
    ) {
        self.listenerPort = listenerPort
        self.listenerName = listenerName
        self.mesh = mesh
        self.method = method
        self.host = host
        self.path = path
        self.headers = headers
        self.sourceIP = sourceIP
        self.sourcePrincipal = sourcePrincipal
        self.serverName = serverName
        self.workloadNamespace = workloadNamespace
        self.workloadLabels = workloadLabels
    }

    private enum CodingKeys: String, CodingKey {
        case listenerPort, listenerName, mesh, method, host, path, headers, sourceIP, sourcePrincipal, serverName
        case workloadNamespace, workloadLabels
    }

    /// Absent fields take their defaults (`GET`, `/`, no headers); empty strings count as absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws -> String? {
            let value = try container.decodeIfPresent(String.self, forKey: key)?.trimmingCharacters(in: .whitespaces)
            return value?.isEmpty == false ? value : nil
        }
        listenerPort = try container.decodeIfPresent(Int.self, forKey: .listenerPort)
        listenerName = try text(.listenerName)
        mesh = try container.decodeIfPresent(Bool.self, forKey: .mesh) ?? false
        method = try text(.method)?.uppercased() ?? "GET"
        host = try container.decode(String.self, forKey: .host).trimmingCharacters(in: .whitespaces)
        path = try text(.path) ?? "/"
        headers = try container.decodeIfPresent([Header].self, forKey: .headers) ?? []
        sourceIP = try text(.sourceIP)
        sourcePrincipal = try text(.sourcePrincipal)
        serverName = try text(.serverName)
        workloadNamespace = try text(.workloadNamespace)
        workloadLabels = try container.decodeIfPresent([String: String].self, forKey: .workloadLabels)
    }
}
