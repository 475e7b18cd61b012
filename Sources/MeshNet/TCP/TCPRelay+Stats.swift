public import NIOCore

extension TCPRelay {
    /// What a relayed connection did, for the TCP access log (Envoy's `BYTES_RECEIVED`/`BYTES_SENT`,
    /// `UPSTREAM_HOST`, `DURATION`).
    public struct Stats: Sendable {
        public var upstreamAddress: SocketAddress
        /// Bytes the downstream client sent, relayed to the upstream.
        public var bytesIn: Int
        /// Bytes the upstream sent, relayed to the downstream client.
        public var bytesOut: Int
        /// From the start of the relay (the upstream connect) until both connections closed.
        public var duration: Duration
        /// Why the upstream could not be reached; nil when it was (Envoy's `UF` response flag).
        public var connectError: (any Error)?

        public init(
            upstreamAddress: SocketAddress,
            bytesIn: Int = 0,
            bytesOut: Int = 0,
            duration: Duration = .zero,
            connectError: (any Error)? = nil
        ) {
            self.upstreamAddress = upstreamAddress
            self.bytesIn = bytesIn
            self.bytesOut = bytesOut
            self.duration = duration
            self.connectError = connectError
        }
    }
}
