import MeshModel
import NIOCore
import NIOHTTP1
import NIOHTTPCompression

/// gzip/deflate of responses for routes that ask for it (the meshbox `compression` extension of a
/// VirtualService rule, Envoy's compressor filter per route). swift-nio-extras'
/// `HTTPResponseCompressor` does the zlib work and the `Accept-Encoding` negotiation; it sits in
/// front of the proxy handler only on connections whose route configuration compresses, and
/// compresses only the responses the exchange marks, so other routes pay nothing but a hop.
enum ResponseCompression {
    /// Set on a response head by the exchange, removed by the compressor's predicate.
    static let marker = "x-meshbox-compress"

    /// The compressor for a connection of `routeConfiguration`, or nil when none of its routes compresses.
    static func handler(for routeConfiguration: String, in config: CompiledSnapshot) -> HTTPResponseCompressor? {
        guard config.compressingRouteConfigurations.contains(routeConfiguration) else { return nil }
        return HTTPResponseCompressor(initialByteBufferCapacity: 1024) { head, _ in
            guard head.headers.contains(name: marker) else { return .doNotCompress }
            head.headers.remove(name: marker)
            // The representation depends on Accept-Encoding whether or not this client gets gzip.
            if !head.headers[canonicalForm: "vary"].contains(where: { $0.lowercased() == "accept-encoding" || $0 == "*" }) {
                head.headers.add(name: "vary", value: "accept-encoding")
            }
            return .compressIfPossible
        }
    }

    /// Whether a response of a compressing route qualifies, as Envoy decides: a listed content
    /// type, not already encoded, not `no-transform`, large enough when its length is known, and
    /// a request that is not HEAD.
    static func qualifies(_ head: HTTPResponseHead, policy: Snapshot.Route.Compression, method: HTTPMethod) -> Bool {
        guard method != .HEAD, head.status.code >= 200, head.status != .noContent, head.status != .notModified else {
            return false
        }
        let headers = head.headers
        if let encoding = headers.first(name: "content-encoding"), encoding.lowercased() != "identity" { return false }
        if headers[canonicalForm: "cache-control"].contains(where: { $0.lowercased() == "no-transform" }) { return false }
        if let length = headers.first(name: "content-length").flatMap({ Int($0) }), length < Int(policy.minContentLength) {
            return false
        }
        guard let type = headers.first(name: "content-type") else { return false }
        let mediaType = type.split(separator: ";", maxSplits: 1).first.map { ASCII.trimmed($0).lowercased() } ?? ""
        return policy.contentTypes.contains(mediaType)
    }
}
