public import NIOCore
public import NIOPosix

/// An asynchronous stub resolver on NIO: never `getaddrinfo`, never a blocked thread. A name's
/// A and AAAA questions are asked in parallel, each of the configured servers in order for
/// `attempts` rounds (`timeout` per server), over UDP with EDNS(0), again over TCP when the
/// answer comes back truncated (RFC 7766).
///
/// ```swift
/// let resolver = DNSResolver(configuration: .system())
/// let resolution = try await resolver.resolve("api.example.com")  // ["192.0.2.10", "2001:db8::10"], TTL 300
/// ```
///
/// Outcomes: a name that exists gets its addresses (IPv4 first, each family in answer order)
/// and the smallest TTL of the records that led to them (CNAMEs included). A name the servers
/// say does not exist (NXDOMAIN), or has no address records, gets no addresses and the negative
/// TTL of the zone's SOA (RFC 2308; 0 without one): an answer, not a failure. Everything else
/// (no server answered, SERVFAIL, REFUSED, a malformed answer) throws `DNSResolutionError`, so
/// a caller can keep what it had. When one family fails and the other has addresses, those count.
public struct DNSResolver: Sendable {
    /// The UDP payload size the resolver advertises (the DNS flag day 2020 value).
    public static let udpPayloadSize: UInt16 = 1232

    public let configuration: DNSResolverConfiguration
    private let exchange: DNSExchange

    public init(configuration: DNSResolverConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.exchange = DNSExchange(timeout: configuration.timeout, group: group)
    }

    public func resolve(_ host: String) async throws(DNSResolutionError) -> DNSResolution {
        guard let name = DNSName(host), !name.labels.isEmpty else {
            throw DNSResolutionError(.invalidName, host: host, reason: "not a DNS name")
        }
        async let ipv4 = answer(name, .a)
        async let ipv6 = answer(name, .aaaa)
        let answers = await [ipv4, ipv6]
        var addresses: [String] = []
        var ttl: UInt32?
        var negativeTTL: UInt32?
        var failure: DNSResolutionError?
        for answer in answers {
            switch answer {
            case .success(let found) where !found.addresses.isEmpty:
                addresses += found.addresses
                ttl = min(ttl ?? .max, found.ttl)
            case .success(let found):
                negativeTTL = min(negativeTTL ?? .max, found.ttl)
            case .failure(let error):
                failure = failure ?? error
            }
        }
        if let ttl { return DNSResolution(addresses: addresses, ttl: ttl) }
        if let failure { throw failure }
        return DNSResolution(addresses: [], ttl: negativeTTL ?? 0)
    }

    /// One question, asked of each server in turn until one answers it.
    private func answer(_ name: DNSName, _ type: DNSRecordType) async -> Result<DNSResolution, DNSResolutionError> {
        var reasons: [String] = []
        var code = DNSResolutionError.Code.noAnswer
        for _ in 0..<configuration.attempts {
            for server in configuration.servers {
                if Task.isCancelled { return .failure(DNSResolutionError(.noAnswer, host: "\(name)", reason: "cancelled")) }
                do {
                    return .success(try await ask(name, type, server))
                } catch let refusal as ServerRefusal {
                    code = .serverFailure
                    reasons.append("\(server): \(refusal.code)")
                } catch {
                    reasons.append("\(server): \(error)")
                }
            }
        }
        return .failure(
            DNSResolutionError(
                code, host: "\(name)", reason: "\(type): " + (reasons.isEmpty ? "no servers" : reasons.joined(separator: "; "))))
    }

    private func ask(_ name: DNSName, _ type: DNSRecordType, _ server: DNSResolverConfiguration.Server) async throws
        -> DNSResolution
    {
        let address = try SocketAddress(ipAddress: server.host, port: server.port)
        var header = DNSHeader(id: .random(in: .min ... .max))
        header.recursionDesired = true
        let query = try DNSMessage(
            header: header, questions: [DNSQuestion(name: name, type: type)],
            additionals: [.opt(udpPayloadSize: Self.udpPayloadSize)]
        ).encoded()
        var reply = try DNSMessage(bytes: try await exchange.exchange(query, with: address, tcp: false))
        if reply.header.isTruncated {
            reply = try DNSMessage(bytes: try await exchange.exchange(query, with: address, tcp: true))
        }
        switch reply.header.responseCode {
        case .noError, .nameError: return Self.resolution(of: reply, type: type)
        default: throw ServerRefusal(code: reply.header.responseCode)
        }
    }

    /// The addresses of `type` in an answer and their TTL, or the negative TTL when there are none.
    static func resolution(of reply: DNSMessage, type: DNSRecordType) -> DNSResolution {
        var addresses: [String] = []
        var ttl = UInt32.max
        for record in reply.answers {
            switch record.data {
            case .a(let octets) where type == .a:
                addresses.append(octets.map(String.init).joined(separator: "."))
            case .aaaa(let octets) where type == .aaaa:
                guard let text = try? SocketAddress(packedIPAddress: ByteBuffer(bytes: octets), port: 0).ipAddress
                else { continue }
                addresses.append(text)
            default:
                guard record.type == .cname else { continue }
            }
            ttl = min(ttl, record.ttl)
        }
        if !addresses.isEmpty { return DNSResolution(addresses: addresses, ttl: ttl) }
        let negative = reply.authorities.compactMap { record -> UInt32? in
            guard case .soa(let soa) = record.data else { return nil }
            return min(record.ttl, soa.minimum)
        }.min()
        return DNSResolution(addresses: [], ttl: negative ?? 0)
    }

    /// A server answered with an error code (SERVFAIL, REFUSED, …): the next server is asked.
    private struct ServerRefusal: Error {
        var code: DNSResponseCode
    }
}
