public import Foundation
import MeshCore

extension AdminClient {
    // MARK: raw

    /// A raw request, for callers that need the status and body themselves (tests, `curl`-like use).
    /// Header names come back lowercased; a repeated header's values are joined with ", ".
    public func raw(_ method: String, _ path: String, body: Data? = nil, contentType: String? = nil, authorized: Bool = true) async throws -> (Int, Data, [String: String]) {
        let response = try await exchange(makeRequest(method, path, body: body, contentType: contentType, authorized: authorized))
        var headers: [String: String] = [:]
        for (name, value) in response.headers {
            let key = name.lowercased()
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }
        return (response.status, response.body, headers)
    }

    /// One request to `path` (which may carry its own `?query`) under the base URL.
    func makeRequest(
        _ method: String, _ path: String, query: [String: String] = [:], body: Data?, contentType: String?, authorized: Bool = true
    ) -> AdminHTTPRequest {
        let parts = path.split(separator: "?", maxSplits: 1)
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath = baseURL.path.trimmingSlash + parts[0]
        if parts.count == 2 { components.percentEncodedQuery = String(parts[1]) }
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        var headers: [(String, String)] = []
        if authorized, let token { headers.append(("Authorization", "Bearer \(token)")) }
        headers.append(("Accept", "application/json"))
        if let contentType { headers.append(("Content-Type", contentType)) }
        return AdminHTTPRequest(method: method, url: components.url!, headers: headers, body: body)
    }

    func send<T: Decodable>(_ method: String, _ path: String, query: [String: String] = [:], body: Data? = nil, contentType: String? = nil) async throws -> T {
        let response = try await exchange(makeRequest(method, path, query: query, body: body, contentType: contentType))
        guard (200..<300).contains(response.status) else {
            throw AdminClientError(status: response.status, body: response.body)
        }
        if T.self == Empty.self { return Empty() as! T }
        do {
            return try Self.decoder.decode(T.self, from: response.body)
        } catch {
            throw AdminClientError(status: response.status, code: "io", message: "unexpected response from server: \(error)")
        }
    }

    /// The request over the transport; a failure to get a response becomes an `AdminClientError`
    /// with status 0 and code `unavailable` that says where the client was going.
    private func exchange(_ request: AdminHTTPRequest) async throws(AdminClientError) -> AdminHTTPResponse {
        do {
            return try await transport.execute(request)
        } catch {
            let server = baseURL.absoluteString
            let message =
                switch error.kind {
                case .connect: "cannot reach meshbox at \(server): \(error.reason)"
                case .timedOut:
                    "no response from meshbox at \(server) within \(DurationText.format(timeout)) (\(request.method) \(request.url.path))"
                case .response: "bad response from meshbox at \(server): \(error.reason)"
                }
            throw AdminClientError(status: 0, code: "unavailable", message: message)
        }
    }
}
