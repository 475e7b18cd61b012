import HTTPTypes
import Hummingbird
import MeshCore
import MeshModel
import NIOCore

/// An error as the admin API answers it: status, a stable machine-readable code, a message for
/// a person, and field-level detail. Every failure goes through `init(_:)`, the one place that
/// maps errors to HTTP.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var details: [String] = []
    var issues: [FieldIssue]? = nil
    var headers: HTTPFields = [:]
    /// True when the error is a fault of the server rather than of the request (worth a log line).
    var isServerFault = false

    /// The numeric status, for callers that do not import HTTPTypes.
    var statusCode: Int { status.code }

    init(
        status: HTTPResponse.Status, code: String, message: String, details: [String] = [],
        issues: [FieldIssue]? = nil, headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.issues = issues
        self.headers = headers
    }

    /// Maps anything a handler, middleware or role can throw.
    init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as ValidationError:
            self = APIError.validation(error.issues)
        case let error as MeshError:
            self.init(
                status: APIError.status(for: error.code), code: error.code.name, message: error.message,
                details: error.details
            )
            if let cause = error.cause as? ValidationError { issues = cause.issues }
            isServerFault = status.code >= 500 && error.code != .unavailable
        case let error as DecodingError:
            self.init(status: .badRequest, code: MeshError.Code.invalidArgument.name, message: APIError.describe(error))
        case let error as NIOTooManyBytesError:
            let limit = error.maxBytes.map { " of \($0) bytes" } ?? ""
            self.init(status: .contentTooLarge, code: "content_too_large", message: "request body exceeds the limit\(limit)")
        case let error as HTTPError:
            self.init(status: error.status, code: APIError.code(for: error.status), message: error.body ?? error.status.reasonPhrase)
            headers = error.headers
            isServerFault = error.status.code >= 500
        default:
            self.init(status: .internalServerError, code: MeshError.Code.internal.name, message: "internal error")
            isServerFault = true
        }
    }

    static func validation(_ issues: [FieldIssue]) -> APIError {
        APIError(
            status: .unprocessableContent, code: MeshError.Code.validation.name,
            message: "\(issues.count) issue(s)", issues: issues
        )
    }

    static func unavailable(role: String) -> APIError {
        APIError(
            status: .serviceUnavailable, code: MeshError.Code.unavailable.name,
            message: "the \(role) role is not running"
        )
    }

    static func status(for code: MeshError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidArgument: .badRequest
        case .validation: .unprocessableContent
        case .notFound: .notFound
        case .conflict: .conflict
        case .unauthenticated: .unauthorized
        case .permissionDenied: .forbidden
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: MeshError.Code.invalidArgument.name
        case 401: MeshError.Code.unauthenticated.name
        case 403: MeshError.Code.permissionDenied.name
        case 404: MeshError.Code.notFound.name
        case 405: "method_not_allowed"
        case 409: MeshError.Code.conflict.name
        case 413: "content_too_large"
        case 422: MeshError.Code.validation.name
        case 503: MeshError.Code.unavailable.name
        default: status.code >= 500 ? MeshError.Code.internal.name : "http_\(status.code)"
        }
    }

    /// `spec.ports[0].number: expected Int` rather than Foundation's debug description.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return text.isEmpty ? "body" : "body." + text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required field missing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "malformed JSON body"
        }
    }
}

/// `{"error":{"code":…,"message":…,"details":[…],"issues":[…]}}`
struct ErrorEnvelope: Codable, Sendable {
    struct Body: Codable, Sendable {
        var code: String
        var message: String
        var details: [String]?
        var issues: [FieldIssue]?
    }
    var error: Body
}

extension APIError {
    var envelope: ErrorEnvelope {
        ErrorEnvelope(
            error: .init(code: code, message: message, details: details.isEmpty ? nil : details, issues: issues)
        )
    }

    func response() -> Response {
        var response = JSONBody.response(envelope, status: status)
        for field in headers where response.headers[field.name] == nil {
            response.headers.append(field)
        }
        return response
    }
}
