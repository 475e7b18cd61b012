import MeshDNS
import MeshProxy
import NIOCore
import NIOPosix
import Synchronization

/// A resolver on 127.0.0.1 for the tests: answers every A query with `address` (or, `silent`,
/// never answers; or, `truncating`, answers UDP with TC and no records and answers whole only
/// over TCP on the same port; or, `spoofing`, sends answers with the wrong ID and for the wrong
/// question, carrying 203.0.113.66, before the real one), and counts the queries it got.
/// Started and closed by the test.
final class FakeUpstream: Sendable {
    let channel: any Channel
    private let tcp: (any Channel)?
    private let received = QueryCount()

    var port: Int { channel.localAddress?.port ?? 0 }
    var queries: Int { received.value.withLock { $0 } }
    var upstream: DNSUpstream { DNSUpstream(host: "127.0.0.1", port: port) }

    init(
        address: [UInt8] = [192, 0, 2, 7], silent: Bool = false, truncating: Bool = false, spoofing: Bool = false
    ) async throws {
        let received = self.received
        // A truncating upstream answers TCP on its UDP port. The kernel picks the UDP port, and
        // another test may hold that number in TCP, so a busy TCP port means another UDP port.
        var attempts = 0
        while true {
            attempts += 1
            let udp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            Responder(
                                address: address, silent: silent, truncating: truncating, spoofing: spoofing,
                                received: received))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            guard truncating, let port = udp.localAddress?.port else {
                channel = udp
                tcp = nil
                return
            }
            do {
                tcp = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .childChannelInitializer { child in
                        child.eventLoop.makeCompletedFuture {
                            try child.pipeline.syncOperations.addHandler(TCPResponder(address: address, received: received))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
                channel = udp
                return
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempts < 20 {
                try? await udp.close()
            } catch {
                try? await udp.close()
                throw error
            }
        }
    }

    func close() async {
        try? await channel.close()
        try? await tcp?.close()
    }

    /// The answer to `query`: `address` for A, nothing for other types; TC and no records when `truncated`.
    static func answer(_ query: [UInt8], address: [UInt8], truncated: Bool) -> [UInt8]? {
        guard let query = try? DNSMessage(bytes: query), let question = query.questions.first else { return nil }
        var header = DNSHeader(id: query.header.id, flags: query.header.flags)
        header.isResponse = true
        header.recursionAvailable = true
        header.isTruncated = truncated
        let answers =
            question.type == .a && !truncated ? [DNSRecord(name: question.name, type: .a, ttl: 60, data: .a(address))] : []
        return try? DNSMessage(header: header, questions: query.questions, answers: answers, additionals: query.additionals)
            .encoded()
    }

    /// Runs `body`, then closes `upstreams` whether it threw or not.
    static func closing(_ upstreams: [FakeUpstream], _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            for upstream in upstreams { await upstream.close() }
            throw error
        }
        for upstream in upstreams { await upstream.close() }
    }

    final class QueryCount: Sendable {
        let value = Mutex(0)
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>

        let address: [UInt8]
        let silent: Bool
        let truncating: Bool
        let spoofing: Bool
        let received: QueryCount

        init(address: [UInt8], silent: Bool, truncating: Bool, spoofing: Bool, received: QueryCount) {
            self.address = address
            self.silent = silent
            self.truncating = truncating
            self.spoofing = spoofing
            self.received = received
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            received.value.withLock { $0 += 1 }
            let query = Array(envelope.data.readableBytesView)
            guard !silent, let bytes = FakeUpstream.answer(query, address: address, truncated: truncating) else { return }
            func send(_ bytes: [UInt8]) {
                context.write(
                    wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: bytes))),
                    promise: nil)
            }
            if spoofing, var wrongID = FakeUpstream.answer(query, address: [203, 0, 113, 66], truncated: false),
                var other = try? DNSMessage(bytes: query), let name = DNSName("other.example.org")
            {
                wrongID[1] ^= 0x01
                send(wrongID)
                other.questions[0].name = name
                if let encoded = try? other.encoded(),
                    let wrongQuestion = FakeUpstream.answer(encoded, address: [203, 0, 113, 66], truncated: false)
                {
                    send(wrongQuestion)
                }
            }
            send(bytes)
            context.flush()
        }
    }

    /// Answers length-prefixed queries on a TCP connection, whole.
    private final class TCPResponder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let address: [UInt8]
        let received: QueryCount
        var pending = ByteBuffer()

        init(address: [UInt8], received: QueryCount) {
            self.address = address
            self.received = received
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            pending.writeBuffer(&incoming)
            while let length = pending.getInteger(at: pending.readerIndex, as: UInt16.self),
                let query = pending.getBytes(at: pending.readerIndex + 2, length: Int(length))
            {
                pending.moveReaderIndex(forwardBy: 2 + Int(length))
                received.value.withLock { $0 += 1 }
                guard let bytes = FakeUpstream.answer(query, address: address, truncated: false) else { continue }
                var framed = ByteBuffer()
                framed.writeInteger(UInt16(bytes.count))
                framed.writeBytes(bytes)
                context.writeAndFlush(wrapOutboundOut(framed), promise: nil)
            }
        }
    }
}

/// A UDP socket on 127.0.0.1 that sends raw datagrams (garbage, for the robustness test).
final class UDPProbe: Sendable {
    let channel: any Channel

    init() async throws {
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func send(_ bytes: [UInt8], to port: Int) async throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes))).get()
    }

    func close() async {
        try? await channel.close()
    }
}
