public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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
    private let session: URLSession

    public init(baseURL: URL, token: String?, timeout: TimeInterval = 30) {
        self.baseURL = baseURL
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpShouldSetCookies = false
        self.session = URLSession(configuration: configuration)
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

    // MARK: raw

    /// A raw request, for callers that need the status and body themselves (tests, `curl`-like use).
    public func raw(_ method: String, _ path: String, body: Data? = nil, contentType: String? = nil, authorized: Bool = true) async throws -> (Int, Data, [String: String]) {
        let request = makeRequest(method, path, body: body, contentType: contentType, authorized: authorized)
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw AdminClientError(status: 0, code: "io", message: "not an HTTP response") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)".lowercased()] = "\(value)" }
        return (http.statusCode, data, headers)
    }

    /// One request to `path` (which may carry its own `?query`) under the base URL.
    private func makeRequest(
        _ method: String, _ path: String, query: [String: String] = [:], body: Data?, contentType: String?, authorized: Bool = true
    ) -> URLRequest {
        let parts = path.split(separator: "?", maxSplits: 1)
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath = baseURL.path.trimmingSlash + parts[0]
        if parts.count == 2 { components.percentEncodedQuery = String(parts[1]) }
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        if authorized, let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        request.httpBody = body
        return request
    }

    private func send<T: Decodable>(_ method: String, _ path: String, query: [String: String] = [:], body: Data? = nil, contentType: String? = nil) async throws -> T {
        let request = makeRequest(method, path, query: query, body: body, contentType: contentType)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw AdminClientError(status: 0, code: "unavailable", message: "cannot reach meshbox at \(baseURL.absoluteString): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw AdminClientError(status: 0, code: "io", message: "not an HTTP response") }
        guard (200..<300).contains(http.statusCode) else {
            throw AdminClientError(status: http.statusCode, body: data)
        }
        if T.self == Empty.self { return Empty() as! T }
        do {
            return try Self.decoder.decode(T.self, from: data)
        } catch {
            throw AdminClientError(status: http.statusCode, code: "io", message: "unexpected response from server: \(error)")
        }
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

/// An error answer from the admin API, or a failure to reach it.
public struct AdminClientError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public var issues: [FieldIssue]
    public var details: [String]

    public init(status: Int, code: String, message: String, issues: [FieldIssue] = [], details: [String] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.issues = issues
        self.details = details
    }

    init(status: Int, body: Data) {
        struct Envelope: Decodable {
            struct Body: Decodable {
                var code: String?
                var message: String?
                var issues: [FieldIssue]?
                var details: [String]?
            }
            var error: Body
        }
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: body) {
            self.init(
                status: status, code: envelope.error.code ?? "http_\(status)", message: envelope.error.message ?? "HTTP \(status)",
                issues: envelope.error.issues ?? [], details: envelope.error.details ?? [])
        } else {
            let text = String(decoding: body.prefix(500), as: UTF8.self)
            self.init(status: status, code: "http_\(status)", message: text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)")
        }
    }

    public var description: String {
        var lines = [message]
        lines += issues.map { "\($0.severity == .warning ? "warning" : "error"): \($0.description)" }
        lines += details
        return lines.joined(separator: "\n")
    }
}

extension String {
    var trimmingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}

// MARK: data plane

extension AdminClient {
    /// The compiled data-plane snapshot (`GET /api/v1/snapshot`).
    public func snapshot() async throws -> Snapshot {
        try await get("/api/v1/snapshot")
    }
}

// MARK: certificate authority

extension AdminClient {
    struct SignBody: Encodable {
        var csr: String
        var ttl: String?
    }

    struct TokenBody: Encodable {
        var ttl: String?
        var nodeName: String?
    }

    struct JoinBody: Encodable {
        var token: String
        var nodeName: String
        var csr: String
    }

    public func caSign(csrPEM: String, ttl: String?) async throws -> IssuedCertificate {
        try await post("/api/v1/ca/sign", SignBody(csr: csrPEM, ttl: ttl))
    }

    public func caStatus() async throws -> CertificateAuthorityStatus {
        try await get("/api/v1/ca/status")
    }

    public func caBundle() async throws -> String {
        let (status, data, _) = try await raw("GET", "/api/v1/ca/bundle")
        guard status == 200 else { throw AdminClientError(status: status, body: data) }
        return String(decoding: data, as: UTF8.self)
    }

    public func createJoinToken(ttl: String?, nodeName: String?) async throws -> JoinToken {
        try await post("/api/v1/ca/tokens", TokenBody(ttl: ttl, nodeName: nodeName))
    }

    public func caRotateRoot() async throws -> CertificateAuthorityStatus {
        try await post("/api/v1/ca/rotate-root", TokenBody())
    }

    /// A node's first call: spends a join token on its node certificate (no admin token needed).
    public func joinNode(token: String, nodeName: String, csrPEM: String) async throws -> IssuedCertificate {
        try await post("/join/v1/node", JoinBody(token: token, nodeName: nodeName, csr: csrPEM))
    }
}
