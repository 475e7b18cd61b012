import Foundation
public import MeshModel

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
