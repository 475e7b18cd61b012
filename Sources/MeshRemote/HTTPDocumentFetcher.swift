public import Foundation

/// Gets a small document over HTTP/1.1 (http, or https trusting the system's roots with hostname
/// verification): what the control plane uses to fetch RequestAuthentication `jwksUri` key sets.
/// One connection per fetch, closed after the response; anything but 200 is an error.
public struct HTTPDocumentFetcher: Sendable {
    /// Key sets are a few KiB; a larger answer is refused rather than held.
    public static let responseLimit = 1024 * 1024

    public init() {}

    /// The body of `uri`'s 200 response as UTF-8 text, within `timeout` for the whole exchange.
    public func get(_ uri: String, timeout: Duration) async throws -> String {
        guard let url = URL(string: uri) else { throw HTTPDocumentError(uri: uri, reason: "not a URL") }
        let client = AdminHTTPClient(timeout: timeout, responseLimit: Self.responseLimit)
        let response: AdminHTTPResponse
        do {
            response = try await client.execute(
                AdminHTTPRequest(method: "GET", url: url, headers: [("Accept", "application/json")], body: nil))
        } catch {
            throw HTTPDocumentError(uri: uri, reason: "\(error)")
        }
        guard response.status == 200 else {
            throw HTTPDocumentError(uri: uri, reason: "HTTP status \(response.status)")
        }
        return String(decoding: response.body, as: UTF8.self)
    }
}

/// A fetch that gave no document: the URI and why.
public struct HTTPDocumentError: Error, Sendable, CustomStringConvertible {
    public let uri: String
    public let reason: String

    public var description: String { "\(uri): \(reason)" }
}
