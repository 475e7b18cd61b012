/// Why a tunnel stream could not be opened, or ended before its destination answered.
public struct TunnelError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The destination node answered the CONNECT with a status other than 200 (`status` says which).
        public static let refused = Code("refused")
        /// The TCP connection to the destination node could not be made.
        public static let connectFailed = Code("connect_failed")
        /// The tunnel connection (or the stream) closed before the destination answered: a refused
        /// handshake, a GOAWAY, a reset.
        public static let closed = Code("closed")
        /// The caller's channel is not on the pool's event loop.
        public static let wrongEventLoop = Code("wrong_event_loop")
    }

    public var code: Code
    /// For a person: `tunnel to 10.0.0.2:15008 refused CONNECT 10.0.3.7:80 with 403`.
    public var message: String
    /// The `:status` the destination node answered, for `.refused`.
    public var status: Int?
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, status: Int? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }
}
