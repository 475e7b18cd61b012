/// The protocol of a port, as Istio names it (`HTTP`, `HTTPS`, `GRPC`, `TCP`, ...).
///
/// Istio reads these case-insensitively (`http` is `HTTP`); so does meshbox, and writes them upper-case.
public enum PortProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    case http = "HTTP"
    case https = "HTTPS"
    case http2 = "HTTP2"
    case grpc = "GRPC"
    case grpcWeb = "GRPC-WEB"
    case tcp = "TCP"
    case tls = "TLS"
    case udp = "UDP"
    case mongo = "MONGO"
    case mysql = "MYSQL"
    case redis = "REDIS"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = PortProtocol(rawValue: text.uppercased()) else {
            let allowed = PortProtocol.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "unknown protocol \"\(text)\", expected one of \(allowed)"
            )
        }
        self = value
    }

    /// Whether traffic on the port is HTTP (any version), so HTTP routes apply.
    public var isHTTP: Bool { [.http, .https, .http2, .grpc, .grpcWeb].contains(self) }

    /// Whether the port carries TLS that the proxy sees (terminated or passed through).
    public var isTLS: Bool { self == .https || self == .tls }
}
