/// What a name resolved to: its addresses (IPv4 first) and how long the answer may be used.
public struct DNSResolution: Sendable, Hashable {
    /// Textual IP addresses as `SocketAddress(ipAddress:port:)` reads them; empty when the name
    /// does not exist or has no address records.
    public var addresses: [String]
    /// Seconds: the smallest TTL of the records used, or the negative TTL for an empty answer.
    public var ttl: UInt32

    public init(addresses: [String], ttl: UInt32) {
        self.addresses = addresses
        self.ttl = ttl
    }
}

/// Why a name could not be resolved (an empty answer is a `DNSResolution`, not this).
public struct DNSResolutionError: Error, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The host is not a DNS name (too long, a bad byte, empty).
        public static let invalidName = Code("invalid name")
        /// No server answered within the timeout, or the answers did not read.
        public static let noAnswer = Code("no answer")
        /// A server answered with an error code (SERVFAIL, REFUSED, …).
        public static let serverFailure = Code("server failure")

        public var description: String { name }
    }

    public var code: Code
    public var host: String
    /// Each server's reason, in the order they were asked.
    public var reason: String

    public init(_ code: Code, host: String, reason: String) {
        self.code = code
        self.host = host
        self.reason = reason
    }

    public var description: String { "resolving \(host): \(code): \(reason)" }
}
