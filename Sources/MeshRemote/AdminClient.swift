public import Foundation
public import MeshAPI
public import MeshModel
import MeshCore

/// The admin API's client: what the CLI (and tests) use to drive a meshbox server.
///
/// Server errors come back as `AdminClientError` carrying the server's code, message and
/// field-level issues, so callers can print `VirtualService default/x: spec.http[0]…: reason`.
public struct AdminClient: Sendable {
    public let baseURL: URL
    public let token: String?
    /// One deadline for each request: connecting, sending and reading the whole response.
    let timeout: Duration
    private(set) var transport: AdminHTTPClient

    public init(baseURL: URL, token: String?, timeout: TimeInterval = 30) {
        self.baseURL = baseURL
        self.token = token
        let milliseconds = Int64((min(max(timeout, 0.001), 86_400 * 365) * 1000).rounded())
        self.timeout = .milliseconds(milliseconds)
        self.transport = AdminHTTPClient(timeout: self.timeout)
    }

    /// A client that trusts the CA certificates in `trustRootsFile` (PEM) for `https` instead of
    /// the system's roots (a remote node's `--control-plane-ca`, tests).
    public init(baseURL: URL, token: String?, timeout: TimeInterval, trustRootsFile: String) {
        self.init(baseURL: baseURL, token: token, timeout: timeout)
        self.transport.trustRootsFile = trustRootsFile
    }

    // MARK: config

    /// Applies YAML or JSON text (one or many documents) as one transaction.
    public func apply(_ text: String, dryRun: Bool = false) async throws -> WriteResult {
        try await send("POST", "/api/v1/apply", query: dryRun ? ["dryRun": "true"] : [:], body: Data(text.utf8), contentType: "application/yaml")
    }

    public func list(kind: ResourceKind? = nil, namespace: String? = nil, selector: String? = nil) async throws -> ResourceList {
        var query: [String: String] = [:]
        if let kind { query["kind"] = kind.rawValue }
        if let namespace { query["namespace"] = namespace }
        if let selector { query["selector"] = selector }
        return try await send("GET", "/api/v1/resources", query: query)
    }

    public func get(_ key: ResourceKey) async throws -> StoredResource {
        try await send("GET", Self.path(key))
    }

    public func delete(_ key: ResourceKey) async throws -> WriteResult {
        try await send("DELETE", Self.path(key))
    }

    public func history(_ key: ResourceKey) async throws -> [HistoryEntry] {
        let list: ItemList<HistoryEntry> = try await send("GET", Self.path(key) + "/history")
        return list.items
    }

    public func rollback(_ key: ResourceKey, to revision: Int64) async throws -> WriteResult {
        try await send("POST", Self.path(key) + "/rollback", body: try JSONEncoder().encode(RevisionBody(revision: revision)), contentType: "application/json")
    }

    public func rollbackAll(to revision: Int64) async throws -> WriteResult {
        try await send("POST", "/api/v1/rollback", body: try JSONEncoder().encode(RevisionBody(revision: revision)), contentType: "application/json")
    }

    public func revision() async throws -> Int64 {
        let body: RevisionBody = try await send("GET", "/api/v1/revision")
        return body.revision
    }

    // MARK: registry

    public func instances(service: String? = nil, namespace: String? = nil) async throws -> [Instance] {
        var query: [String: String] = [:]
        if let service { query["service"] = service }
        if let namespace { query["namespace"] = namespace }
        let list: ItemList<Instance> = try await send("GET", "/api/v1/instances", query: query)
        return list.items
    }

    public func register(_ registration: InstanceRegistration) async throws -> Instance {
        try await send("POST", "/api/v1/instances", body: try JSONEncoder().encode(registration), contentType: "application/json")
    }

    public func deregister(id: String) async throws {
        let _: Empty = try await send("DELETE", "/api/v1/instances/" + Self.escape(id))
    }

    public func heartbeat(id: String) async throws -> Instance {
        try await send("PUT", "/api/v1/instances/" + Self.escape(id) + "/heartbeat")
    }

    func get<T: Decodable>(_ path: String) async throws -> T {
        try await send("GET", path)
    }

    func post<T: Decodable>(_ path: String, _ body: some Encodable) async throws -> T {
        try await send("POST", path, body: try JSONEncoder().encode(body), contentType: "application/json")
    }

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 date: \(text)")
        }
        return decoder
    }()

    static func path(_ key: ResourceKey) -> String {
        "/api/v1/resources/\(key.kind.plural)/\(escape(key.namespace))/\(escape(key.name))"
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    struct RevisionBody: Codable { var revision: Int64 }
    struct ItemList<Item: Decodable>: Decodable { var items: [Item] }
    struct Empty: Decodable {}
}

/// `GET /api/v1/resources`.
public struct ResourceList: Sendable, Decodable {
    public var revision: Int64
    public var items: [StoredResource]
}

extension String {
    var trimmingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
