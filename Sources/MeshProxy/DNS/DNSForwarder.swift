import MeshDNS
import NIOCore

/// Relays a query to the upstream resolvers over UDP, one upstream after the other: each gets
/// `timeout` on a fresh connected socket and a fresh random query ID (`DNSExchange` takes only
/// that upstream's answer to that ID and question). A client that asked over TCP gets a
/// truncated UDP answer asked again over TCP. Nil when every upstream failed.
struct DNSForwarder: Sendable {
    let upstreams: [DNSUpstream]
    let timeout: Duration
    let socketMark: UInt32?
    let group: any EventLoopGroup

    private var exchange: DNSExchange { DNSExchange(timeout: timeout, socketMark: socketMark, group: group) }

    /// The upstream's answer with the client's ID put back, or nil.
    func forward(_ query: [UInt8], clientUsesTCP: Bool = false) async -> [UInt8]? {
        guard query.count >= 12, let clientID = DNSMessage.id(of: query) else { return nil }
        for upstream in upstreams {
            guard let address = try? SocketAddress(ipAddress: upstream.host, port: upstream.port) else { continue }
            let id = UInt16.random(in: .min ... .max)
            var sent = query
            sent[0] = UInt8(id >> 8)
            sent[1] = UInt8(id & 0xFF)
            guard var answer = try? await exchange.exchange(sent, with: address, tcp: false) else { continue }
            if clientUsesTCP, answer[2] & 0x02 != 0 {
                guard let whole = try? await exchange.exchange(sent, with: address, tcp: true) else { continue }
                answer = whole
            }
            answer[0] = UInt8(clientID >> 8)
            answer[1] = UInt8(clientID & 0xFF)
            return answer
        }
        return nil
    }
}
