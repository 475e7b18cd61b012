public import MeshDNS

/// How the proxy role's DNS server listens, which names it owns and where it forwards the rest.
///
/// ```swift
/// let settings = try DNSSettings(clusterDomain: "cluster.local")   // 127.0.0.1:15053, /etc/resolv.conf
/// ```
public struct DNSSettings: Sendable, Hashable {
    /// `127.0.0.1`: port 53 on 127.0.0.53 belongs to systemd-resolved, which sends the cluster
    /// domain here (`DNS=127.0.0.1:15053`, `Domains=~cluster.local`; docs/proxy.md).
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 15053

    /// The IP address to listen on (UDP and, with `tcp`, TCP).
    public var host: String
    /// 0 picks a free port (tests); `DNSServer.localAddress` tells which.
    public var port: Int
    /// The names answered from the table: `<service>.<namespace>.svc.<clusterDomain>`.
    public var clusterDomain: DNSName
    /// Where other names go, tried in order; empty means SERVFAIL for every name outside the table.
    public var upstreams: [DNSUpstream]
    /// How long one upstream gets before the next is tried.
    public var upstreamTimeout: Duration
    /// TTL of the answers from the table (short: a VIP change reaches clients quickly).
    public var ttl: UInt32
    /// Also listen on TCP, where clients ask again after a truncated (TC) UDP answer.
    public var tcp: Bool
    /// Queries forwarded at once; more are answered SERVFAIL rather than queued.
    public var maxForwardsInFlight: Int
    /// TCP connections at once; more are closed on accept.
    public var maxTCPConnections: Int
    /// A TCP connection with no complete query read and no answer written for this long is
    /// closed: bytes of an unfinished query do not keep it open.
    public var tcpIdleTimeout: Duration
    /// `SO_MARK` on the sockets to upstreams, so capture rules pass them (needs CAP_NET_ADMIN).
    public var upstreamSocketMark: UInt32?

    /// - Parameters:
    ///   - host: `proxy.dns.listen`, an IP address (not a name).
    ///   - clusterDomain: `proxy.dns.clusterDomain`; thrown as invalid when not a domain name.
    ///   - upstreams: nil reads the host's resolvers (`DNSUpstream.system()`); either way this
    ///     server's own address is left out. Each must be an IP address with a port of 1-65535.
    ///   - tcpIdleTimeout: positive; a TCP connection gets this long for each query (see
    ///     `DNSTCPIdleCloser`).
    public init(
        host: String = defaultHost,
        port: Int = defaultPort,
        clusterDomain: String = "cluster.local",
        upstreams: [DNSUpstream]? = nil,
        upstreamTimeout: Duration = .seconds(2),
        ttl: UInt32 = 5,
        tcp: Bool = true,
        maxForwardsInFlight: Int = 1024,
        maxTCPConnections: Int = 256,
        tcpIdleTimeout: Duration = .seconds(10),
        upstreamSocketMark: UInt32? = nil
    ) throws(DNSSettingsError) {
        guard let domain = DNSName(clusterDomain), !domain.labels.isEmpty, domain.wireLength <= 200 else {
            throw DNSSettingsError(field: "proxy.dns.clusterDomain", reason: "\"\(clusterDomain)\" is not a domain name")
        }
        guard (0...65535).contains(port) else {
            throw DNSSettingsError(field: "proxy.dns.port", reason: "\(port) is not a port number")
        }
        guard let listen = CanonicalAddress(host), listen.prefixLength == listen.family.addressBits else {
            throw DNSSettingsError(field: "proxy.dns.listen", reason: "\"\(host)\" is not an IP address")
        }
        guard upstreamTimeout > .zero else {
            throw DNSSettingsError(field: "proxy.dns.upstreamTimeout", reason: "must be positive")
        }
        guard tcpIdleTimeout > .zero else {
            throw DNSSettingsError(field: "proxy.dns.tcpIdleTimeout", reason: "must be positive")
        }
        for (index, upstream) in (upstreams ?? []).enumerated() {
            let field = "proxy.dns.upstreams[\(index)]"
            guard (1...65535).contains(upstream.port) else {
                throw DNSSettingsError(field: field, reason: "port must be 1-65535, got \(upstream.port)")
            }
            guard let address = CanonicalAddress(upstream.host), address.prefixLength == address.family.addressBits else {
                throw DNSSettingsError(field: field, reason: "\"\(upstream.host)\" is not an IP address")
            }
        }
        self.host = host
        self.port = port
        self.clusterDomain = domain
        self.upstreamTimeout = upstreamTimeout
        self.ttl = ttl
        self.tcp = tcp
        self.maxForwardsInFlight = max(1, maxForwardsInFlight)
        self.maxTCPConnections = max(1, maxTCPConnections)
        self.tcpIdleTimeout = tcpIdleTimeout
        self.upstreamSocketMark = upstreamSocketMark
        self.upstreams = (upstreams ?? DNSUpstream.system()).filter { !$0.isListener(host: host, port: port) }
    }
}

/// A setting of the DNS server that cannot be used, with its field path.
public struct DNSSettingsError: Error, Hashable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
