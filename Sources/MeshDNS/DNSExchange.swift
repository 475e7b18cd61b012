public import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One query to one server over one transport: UDP on a fresh connected socket (a random source
/// port, and a dead server's ICMP "port unreachable" fails it at once), or TCP with the two-octet
/// length prefix. Only a response from that server with the query's ID and question is taken;
/// anything else (spoofed, stale) is ignored until `timeout`. Shared by the proxy's forwarder and
/// the resolver, which choose the server, the ID and what to do with a truncated answer.
package struct DNSExchange: Sendable {
    /// Large enough for any UDP answer (an EDNS client may accept up to 64 KiB).
    package static let receiveCapacity = 65_535

    package let timeout: Duration
    /// `SO_MARK` on the sockets (Linux only), so capture rules let them pass.
    package let socketMark: UInt32?
    package let group: any EventLoopGroup

    package init(timeout: Duration, socketMark: UInt32? = nil, group: any EventLoopGroup) {
        self.timeout = timeout
        self.socketMark = socketMark
        self.group = group
    }

    /// The answer's bytes as they arrived (the caller reads them); throws on timeout, on a
    /// connection or read error, and when the query is too short to carry an ID.
    package func exchange(_ query: [UInt8], with address: SocketAddress, tcp: Bool) async throws -> [UInt8] {
        guard let id = DNSMessage.id(of: query) else { throw DNSExchangeTimeout() }
        let expected = Expected(id: id, question: Self.question(of: query))
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        let timer = loop.scheduleTask(in: TimeAmount(timeout)) { promise.fail(DNSExchangeTimeout()) }
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
        // A cancelled caller (a stopping resolver) does not wait out the timeout.
        return try await withTaskCancellationHandler {
            try await channel.writeAndFlush(message).get()
            return try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    private func udpBootstrap(
        _ loop: any EventLoop, _ expected: Expected, _ promise: EventLoopPromise<[UInt8]>
    ) -> DatagramBootstrap {
        var bootstrap = DatagramBootstrap(group: loop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.receiveCapacity))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AnswerHandler<AddressedEnvelope<ByteBuffer>>(expected, promise) {
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
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        AnswerHandler<ByteBuffer>(expected, promise) { Array($0.readableBytesView) })
                }
            }
        if let (option, value) = markOption { bootstrap = bootstrap.channelOption(option, value: value) }
        return bootstrap
    }

    private var markOption: (ChannelOptions.Types.SocketOption, SocketOptionValue)? {
        #if os(Linux)
            socketMark.map { (.socketOption(.init(rawValue: SO_MARK)), SocketOptionValue(truncatingIfNeeded: $0)) }
        #else
            nil
        #endif
    }

    /// The question section's first entry, to match the answer against.
    package static func question(of message: [UInt8]) -> DNSQuestion? {
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
                && DNSExchange.question(of: bytes) == question
        }
    }
}

/// No answer from the server within the exchange's timeout.
package struct DNSExchangeTimeout: Error, CustomStringConvertible {
    package var description: String { "no answer within the timeout" }
}

/// Takes the first message that answers the query (a datagram, or a TCP message after the frame
/// decoder); anything else is ignored. A read error (ICMP port unreachable on the connected UDP
/// socket, a reset) fails the exchange at once.
private final class AnswerHandler<Message>: ChannelInboundHandler {
    typealias InboundIn = Message

    private let expected: DNSExchange.Expected
    private let promise: EventLoopPromise<[UInt8]>
    private let bytes: (Message) -> [UInt8]

    init(_ expected: DNSExchange.Expected, _ promise: EventLoopPromise<[UInt8]>, bytes: @escaping (Message) -> [UInt8]) {
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
