public import Foundation

extension VirtualServiceSpec {
    /// Answer with a redirect instead of forwarding.
    public struct HTTPRedirect: Sendable, Hashable, Codable {
        public var uri: String?
        public var authority: String?
        public var port: UInt32?
        public var derivePort: RedirectPortSelection?
        public var scheme: String?
        /// 301 (default), 302, 303, 307 or 308.
        public var redirectCode: UInt32?

        public init(
            uri: String? = nil,
            authority: String? = nil,
            port: UInt32? = nil,
            derivePort: RedirectPortSelection? = nil,
            scheme: String? = nil,
            redirectCode: UInt32? = nil
        ) {
            self.uri = uri
            self.authority = authority
            self.port = port
            self.derivePort = derivePort
            self.scheme = scheme
            self.redirectCode = redirectCode
        }

        public enum RedirectPortSelection: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
            case fromProtocolDefault = "FROM_PROTOCOL_DEFAULT"
            case fromRequestPort = "FROM_REQUEST_PORT"
        }
    }

    /// Answer with a fixed status and body instead of forwarding.
    public struct HTTPDirectResponse: Sendable, Hashable, Codable {
        public var status: UInt32
        public var body: HTTPBody?

        public init(status: UInt32, body: HTTPBody? = nil) {
            self.status = status
            self.body = body
        }
    }

    /// A response body: text (`{string: ...}`) or base64 bytes (`{bytes: ...}`).
    public enum HTTPBody: Sendable, Hashable, Codable {
        case string(String)
        case bytes(Data)

        enum CodingKeys: String, CodingKey { case string, bytes }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let text = try container.decodeIfPresent(String.self, forKey: .string)
            let base64 = try container.decodeIfPresent(String.self, forKey: .bytes)
            switch (text, base64) {
            case (let text?, nil):
                self = .string(text)
            case (nil, let base64?):
                guard let data = Data(base64Encoded: base64) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .bytes,
                        in: container,
                        debugDescription: "not valid base64"
                    )
                }
                self = .bytes(data)
            default:
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: decoder.codingPath,
                        debugDescription: "exactly one of string or bytes must be set"
                    )
                )
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .string(let text): try container.encode(text, forKey: .string)
            case .bytes(let data): try container.encode(data.base64EncodedString(), forKey: .bytes)
            }
        }

        /// The body as bytes.
        public var data: Data {
            switch self {
            case .string(let text): Data(text.utf8)
            case .bytes(let data): data
            }
        }
    }

    /// Changes to the request before it is forwarded.
    public struct HTTPRewrite: Sendable, Hashable, Codable {
        /// Replaces the matched part of the path (the prefix, or all of an exact match).
        public var uri: String?
        public var authority: String?
        public var uriRegexRewrite: RegexRewrite?

        public init(uri: String? = nil, authority: String? = nil, uriRegexRewrite: RegexRewrite? = nil) {
            self.uri = uri
            self.authority = authority
            self.uriRegexRewrite = uriRegexRewrite
        }
    }

    /// Replaces what `match` matches in the path with `rewrite` (which may use `\1` groups).
    public struct RegexRewrite: Sendable, Hashable, Codable {
        public var match: String?
        public var rewrite: String?

        public init(match: String? = nil, rewrite: String? = nil) {
            self.match = match
            self.rewrite = rewrite
        }
    }
}
