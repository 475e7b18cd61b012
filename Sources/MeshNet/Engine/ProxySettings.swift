public import NIOCore

/// Limits and timeouts of the data plane's downstream and upstream sides, the same for every
/// listener. Defaults follow Envoy's where it has one (header size and count) and nginx's
/// otherwise; each is a key of the gateway's configuration (docs/configuration.md).
public struct ProxySettings: Sendable, Hashable {
    /// All request header names and values together (Envoy's `max_request_headers_kb`: 60 KiB).
    public var maxRequestHeaderBytes: Int = 60 * 1024
    /// Header fields in one request (Envoy's `max_headers_count`: 100).
    public var maxRequestHeaderCount: Int = 100
    /// The request target (path and query); longer gets 414.
    public var maxRequestURIBytes: Int = 16 * 1024
    /// Request bodies larger than this get 413; nil for no limit.
    public var maxRequestBodyBytes: Int? = nil
    /// From the first byte of a request to its complete header; slower clients get 408 and are closed.
    public var requestHeaderTimeout: TimeAmount = .seconds(10)
    /// A keep-alive connection with no request in flight is closed after this.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// From accepting a connection of a TLS listener to the end of its handshake (Envoy's
    /// `transport_socket_connect_timeout`); slower clients are closed. Zero disables it.
    public var tlsHandshakeTimeout: TimeAmount = .seconds(10)
    /// A request (or HTTP/2 stream) with no byte either way for this long is ended: 408 while
    /// nothing of the response went out, else closed (Envoy's `stream_idle_timeout`: 5 min).
    /// Zero disables it.
    public var streamIdleTimeout: TimeAmount = .minutes(5)
    /// While a request body arrives, the longest pause between two of its reads (nginx's
    /// `client_body_timeout`: 60 s); slower clients get 408. Zero disables it.
    public var requestBodyTimeout: TimeAmount = .seconds(60)
    /// Streams one HTTP/2 client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS; Envoy: 2^31-1, nginx: 128).
    public var maxConcurrentStreams: Int = 128
    /// Downstream connections of all listeners together (the gateway derives it from its
    /// descriptor budget). Past it a new connection takes the place of the oldest idle one, or,
    /// with none to spare, is closed at once (see `ConnectionAdmission`).
    public var maxConnections: Int = 16_384
    /// Request bodies up to this size are kept so that a retry or a mirror can replay them.
    public var retryBufferBytes: Int = 64 * 1024
    /// A TCP relay (TCP servers, TLS passthrough, WebSocket tunnels) with no byte in either
    /// direction for this long is closed on both sides (Envoy's tcp_proxy `idle_timeout`: 1 h).
    /// Zero disables it.
    public var tcpIdleTimeout: TimeAmount = .hours(1)
    /// Idle upstream connections kept per endpoint and event loop.
    public var maxIdleConnectionsPerEndpoint: Int = 128
    /// An idle upstream connection is closed after this unless the cluster sets `idleTimeout`.
    public var upstreamIdleTimeout: TimeAmount = .seconds(60)
    /// On shutdown or when a listener goes away, how long in-flight requests may take to finish.
    public var drainTimeout: TimeAmount = .seconds(5)
    /// Add `x-forwarded-for` / `x-forwarded-proto` to upstream requests.
    public var addForwardedHeaders: Bool = true
    /// Proxies in front of the gateway whose `x-forwarded-for` entries are trusted (Istio's
    /// `numTrustedProxies`): AuthorizationPolicy `remoteIpBlocks` see the client that many entries
    /// from the right. 0 trusts none: the remote IP is the connection's peer.
    public var numTrustedProxies: Int = 0
    /// `SO_MARK` on every upstream socket (the node proxy's capture rules return packets with this
    /// mark, so its own connections are never redirected to itself); nil for none. Setting a mark
    /// needs CAP_NET_ADMIN.
    public var upstreamMark: UInt32? = nil

    public init() {}
}
