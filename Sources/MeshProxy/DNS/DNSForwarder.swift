import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Relays a query to the upstream resolvers over UDP, one upstream after the other: each gets
/// `timeout` on a fresh connected socket (a random source port, and a dead upstream's ICMP
/// "port unreachable" fails it at once) and a fresh random query ID, and only a response from that
/// upstream with that ID and the same question is taken. A client that asked over TCP gets a
/// truncated UDP answer asked again over TCP. Nil when every upstream failed.
struct DNSForwarder: Sendable {
    /// Large enough for any UDP answer (an EDNS client may accept up to 64 KiB).
    static let receiveCapacity = 65_535

    let upstreams: [DNSUpstream]
    let timeout: Duration
    let socketMark: UInt32?
    let group: any EventLoopGroup

    /// The upstream's answer with the client's ID put back, or nil.
    func forward(_ query: [UInt8], clientUsesTCP: Bool = false) async -> [UInt8]? {
        guard query.count >= 12, let clientID = DNSMessage.id(of: query) else { return nil }
        for upstream in upstreams {
            guard let address = try? SocketAddress(ipAddress: upstream.host, port: upstream.port) else { continue }
            let id = UInt16.random(in: .min ... .max)
            var sent = query
            sent[0] = UInt8(id >> 8)
            sent[1] = UInt8(id & 0xFF)
            let expected = Expected(id: id, question: Self.question(of: sent))
            guard var answer = try? await exchange(sent, with: address, expecting: expected, tcp: false) else { continue }
            if clientUsesTCP, answer[2] & 0x02 != 0 {
                guard let whole = try? await exchange(sent, with: address, expecting: expected, tcp: true) else { continue }
                answer = whole
            }
            answer[0] = UInt8(clientID >> 8)
            answer[1] = UInt8(clientID & 0xFF)
            return answer
        }
        return nil
    }

    private func exchange(
        _ query: [UInt8], with address: SocketAddress, expecting expected: Expected, tcp: Bool
    ) async throws -> [UInt8] {
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let timer = loop.scheduleTask(in: .nanoseconds(DNSServer.nanoseconds(timeout))) {
            promise.fail(UpstreamTimeout())
        }
        defer { timer.cancel() }
        let channel: any Channel
        let message: ByteBuffer
        do {
            if tcp {
                channel = try await tcpBootstrap(loop, expected, promise).connect(to: address).get()
                var framed = ByteBuffer()
                framed.writeInteger(UInt16(query.count))
                framed.writeBytes(query)
                message = framed
            } else {
                channel = try await udpBootstrap(loop, expected, promise).connect(to: address).get()
                message = ByteBuffer(bytes: query)
            }
        } catch {
            promise.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        try await channel.writeAndFlush(message).get()
        return try await promise.futureResult.get()
    }

    private func udpBootstrap(
        _ loop: any EventLoop, _ expected: Expected, _ promise: EventLoopPromise<[UInt8]>
    ) -> DatagramBootstrap {
        var bootstrap = DatagramBootstrap(group: loop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.receiveCapacity))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UpstreamAnswerHandler<AddressedEnvelope<ByteBuffer>>(expected, promise) {
                            Array($0.data.readableBytesView)
                        })
                }
            }
        if let (option, value) = markOption { bootstrap = bootstrap.channelOption(option, value: value) }
        return bootstrap
    }

    private func tcpBootstrap(
        _ loop: any EventLoop, _ expected: Expected, _ promise: EventLoopPromise<[UInt8]>
    ) -> ClientBootstrap {
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(DNSServer.nanoseconds(timeout)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        UpstreamAnswerHandler<ByteBuffer>(expected, promise) { Array($0.readableBytesView) })
                }
            }
        if let (option, value) = markOption { bootstrap = bootstrap.channelOption(option, value: value) }
        return bootstrap
    }

    /// `SO_MARK` and its value, when upstream sockets are to carry one (Linux only).
    private var markOption: (ChannelOptions.Types.SocketOption, SocketOptionValue)? {
        #if os(Linux)
            socketMark.map { (.socketOption(.init(rawValue: SO_MARK)), SocketOptionValue(truncatingIfNeeded: $0)) }
        #else
            nil
        #endif
    }

    /// The question section's first entry, to match the answer against.
    static func question(of message: [UInt8]) -> DNSQuestion? {
        var reader = DNSWireReader(message, offset: 12)
        guard message.count > 12, message[4] != 0 || message[5] != 0, let name = try? reader.readName(),
            let type = try? reader.readUInt16(), let dnsClass = try? reader.readUInt16()
        else { return nil }
        return DNSQuestion(name: name, type: DNSRecordType(rawValue: type), dnsClass: dnsClass)
    }

    /// What the answer must carry: the ID sent and the question asked.
    struct Expected: Sendable {
        var id: UInt16
        var question: DNSQuestion?

        func isAnswer(_ bytes: [UInt8]) -> Bool {
            bytes.count >= 12 && DNSMessage.id(of: bytes) == id && bytes[2] & 0x80 != 0
                && DNSForwarder.question(of: bytes) == question
        }
    }
}

private struct UpstreamTimeout: Error {}

/// Takes the first message that answers the query (a datagram, or a TCP message after the frame
/// decoder); anything else (spoofed, stale) is ignored until the timeout. A read error (ICMP port
/// unreachable on the connected UDP socket, a reset) fails the exchange at once.
private final class UpstreamAnswerHandler<Message>: ChannelInboundHandler {
    typealias InboundIn = Message

    private let expected: DNSForwarder.Expected
    private let promise: EventLoopPromise<[UInt8]>
    private let bytes: (Message) -> [UInt8]

    init(_ expected: DNSForwarder.Expected, _ promise: EventLoopPromise<[UInt8]>, bytes: @escaping (Message) -> [UInt8]) {
        self.expected = expected
        self.promise = promise
        self.bytes = bytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = bytes(unwrapInboundIn(data))
        if expected.isAnswer(message) { promise.succeed(message) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }
}
