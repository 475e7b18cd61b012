import MeshDNS
public import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real DNS server on 127.0.0.1 for resolver tests, UDP and TCP on one port: answers A and AAAA
/// questions from a table the test changes as it goes, NXDOMAIN for other names. A UDP answer
/// larger than the query's EDNS size (512 without EDNS) goes out truncated (TC, no records), so
/// the client must ask again over TCP. `failing` turns every answer into SERVFAIL. Every question
/// is recorded with its transport.
public final class TestDNSServer: Sendable {
    public struct Query: Sendable, Hashable {
        public var name: String
        /// `A`, `AAAA`, …
        public var type: String
        public var tcp: Bool

        public init(name: String, type: String, tcp: Bool) {
            self.name = name
            self.type = type
            self.tcp = tcp
        }
    }

    struct Entry: Sendable {
        var addresses: [String]
        var ttl: UInt32
    }

    final class Shared: Sendable {
        let table = Mutex<[String: Entry]>([:])
        let failing = Mutex(false)
        let queries = Mutex<[Query]>([])
    }

    public let port: Int
    private let channels: [any Channel]
    private let shared: Shared

    private init(port: Int, channels: [any Channel], shared: Shared) {
        self.port = port
        self.channels = channels
        self.shared = shared
    }

    /// Starts on a free port of 127.0.0.1 (the UDP port, then TCP on the same number).
    public static func start(group: any EventLoopGroup) async throws -> TestDNSServer {
        let shared = Shared()
        for _ in 0..<20 {
            let udp = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_535))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(UDPHandler(shared)) }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let port = udp.localAddress?.port ?? 0
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                            try channel.pipeline.syncOperations.addHandler(TCPHandler(shared))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
                return TestDNSServer(port: port, channels: [udp, tcp], shared: shared)
            } catch {
                try? await udp.close()  // the TCP port was taken: another pair
            }
        }
        throw ChannelError.connectPending
    }

    /// `name` answers with `addresses` (IPv4 to A, IPv6 to AAAA) and `ttl`; no addresses: the
    /// name exists with no records of either type.
    public func set(_ name: String, _ addresses: [String], ttl: UInt32) {
        shared.table.withLock { $0[name.lowercased()] = Entry(addresses: addresses, ttl: ttl) }
    }

    /// `name` no longer exists (NXDOMAIN).
    public func remove(_ name: String) {
        shared.table.withLock { $0[name.lowercased()] = nil }
    }

    /// Every answer is SERVFAIL while true.
    public var failing: Bool {
        get { shared.failing.withLock { $0 } }
        set { shared.failing.withLock { $0 = newValue } }
    }

    /// The questions received so far.
    public var queries: [Query] { shared.queries.withLock { $0 } }

    public func stop() async {
        for channel in channels { try? await channel.close() }
    }

    /// The answer to `bytes`, encoded for UDP (limited) or TCP; nil for what is not a query.
    static func answer(_ bytes: [UInt8], tcp: Bool, shared: Shared) -> [UInt8]? {
        guard let query = try? DNSMessage(bytes: bytes), !query.header.isResponse, let question = query.questions.first
        else { return nil }
        shared.queries.withLock { $0.append(Query(name: "\(question.name)", type: "\(question.type)", tcp: tcp)) }
        var answers: [DNSRecord] = []
        var code = DNSResponseCode.noError
        if shared.failing.withLock({ $0 }) {
            code = .serverFailure
        } else if let entry = shared.table.withLock({ $0["\(question.name)".lowercased()] }) {
            for address in entry.addresses {
                guard let octets = packed(address) else { continue }
                if octets.count == 4, question.type == .a {
                    answers.append(DNSRecord(name: question.name, type: .a, ttl: entry.ttl, data: .a(octets)))
                } else if octets.count == 16, question.type == .aaaa {
                    answers.append(DNSRecord(name: question.name, type: .aaaa, ttl: entry.ttl, data: .aaaa(octets)))
                }
            }
        } else {
            code = .nameError
        }
        let reply = DNSMessage(
            header: query.header.response(code: code, authoritative: true), questions: query.questions,
            answers: answers)
        return tcp ? try? reply.encoded() : try? reply.encoded(limit: query.ednsUDPPayloadSize ?? DNSMessage.classicUDPLimit)
    }

    static func packed(_ address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private final class UDPHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let shared: Shared
        init(_ shared: Shared) { self.shared = shared }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let reply = TestDNSServer.answer(Array(envelope.data.readableBytesView), tcp: false, shared: shared)
            else { return }
            context.writeAndFlush(
                wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))),
                promise: nil)
        }
    }

    private final class TCPHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let shared: Shared
        init(_ shared: Shared) { self.shared = shared }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let reply = TestDNSServer.answer(Array(unwrapInboundIn(data).readableBytesView), tcp: true, shared: shared)
            else { return }
            var framed = ByteBuffer()
            framed.writeInteger(UInt16(reply.count))
            framed.writeBytes(reply)
            context.writeAndFlush(wrapOutboundOut(framed), promise: nil)
        }
    }
}
