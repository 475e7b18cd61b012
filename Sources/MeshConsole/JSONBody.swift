import Foundation
import HTTPTypes
import Hummingbird
import MeshModel
import NIOCore

/// The admin API's JSON conventions in one place: sorted keys (stable output for diffs and
/// tests), ISO-8601 dates, redacted Secret values, and decoding errors that name the field.
enum JSONBody {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Secret values never leave the admin API (see AdminConsole+SecretRedaction.swift).
        encoder.userInfo[.redactSecrets] = true
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func encode(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try encoder().encode(value))
    }

    /// A JSON response. Encoding our own Codable types does not fail; if it ever does, the
    /// answer is a plain 500 rather than a crash.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        do {
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: try encode(value)))
        } catch {
            return Response(status: .internalServerError)
        }
    }

    /// Decodes a request body; malformed input is a `DecodingError`, which `APIError` turns
    /// into a 400 naming the field.
    static func decode<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> Value {
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        return try decoder().decode(type, from: Data(bytes))
    }
}

/// `{"revision":N}`: the body of rollbacks and the answer of `GET /api/v1/revision`.
struct RevisionBody: Codable, Sendable {
    var revision: Int64
}

/// `{"revision":N,"items":[…]}`, or `{"items":[…]}` where a revision means nothing.
struct ItemsBody<Item: Encodable & Sendable>: Encodable, Sendable {
    var revision: Int64?
    var items: [Item]
}
