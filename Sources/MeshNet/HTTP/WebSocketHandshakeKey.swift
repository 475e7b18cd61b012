import Crypto
import Foundation

/// The `Sec-WebSocket-Key` a proxy sends when it opens the HTTP/1.1 WebSocket handshake itself
/// (RFC 8441 streams arrive without one), and the `Sec-WebSocket-Accept` the upstream must answer
/// with (RFC 6455 §4.2.2: base64 of SHA-1 over the key and the protocol's GUID).
struct WebSocketHandshakeKey: Sendable, Equatable {
    /// Base64 of 16 random bytes.
    let key: String

    /// A fresh key from the system's random source.
    static func fresh() -> WebSocketHandshakeKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return WebSocketHandshakeKey(key: Data(bytes).base64EncodedString())
    }

    init(key: String) {
        self.key = key
    }

    /// The `Sec-WebSocket-Accept` value that proves the upstream read this key.
    var expectedAccept: String {
        Self.accept(for: key)
    }

    static func accept(for key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        return Data(digest).base64EncodedString()
    }
}
