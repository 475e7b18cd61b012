import MeshDNS
import NIOCore
import NIOPosix
import Synchronization

extension DNSServer {
    typealias UDPChannel = NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
    typealias TCPConnection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    func bindUDP() async throws -> UDPChannel {
        try await DatagramBootstrap(group: eventLoopGroup)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
            .bind(host: limits.host, port: limits.port) { channel in
                channel.eventLoop.makeCompletedFuture { try UDPChannel(wrappingChannelSynchronously: channel) }
            }
    }

    func bindTCP(port: Int) async throws -> NIOAsyncChannel<TCPConnection, Never> {
        let idle = limits.tcpIdleTimeout
        return try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 128)
            .bind(host: limits.host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try pipeline.addHandler(DNSTCPIdleCloser(timeout: .nanoseconds(Self.nanoseconds(idle))))
                    return try TCPConnection(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Answers each datagram; a forward runs as a child task (at most `maxForwardsInFlight`).
    func serveUDP(_ channel: UDPChannel) async throws {
        let forwarder = self.forwarder
        let slots = Slots(limits.maxForwardsInFlight)
        try await channel.executeThenClose { inbound, outbound in
            await withDiscardingTaskGroup { group in
                do {
                    for try await envelope in inbound {
                        let query = Array(envelope.data.readableBytesView)
                        let peer = envelope.remoteAddress
                        func send(_ bytes: [UInt8]) async {
                            try? await outbound.write(AddressedEnvelope(remoteAddress: peer, data: ByteBuffer(bytes: bytes)))
                        }
                        switch decide(query) {
                        case .drop:
                            record(.malformed)
                        case .reply(let reply):
                            record(reply.outcome)
                            if let bytes = try? reply.udpBytes() { await send(bytes) }
                        case .forward:
                            guard slots.take() else {
                                record(.servfail)
                                if let failure = serverFailure(for: query) { await send(failure) }
                                continue
                            }
                            group.addTask {
                                defer { slots.give() }
                                await send(await self.forwarded(query, with: forwarder))
                            }
                        }
                    }
                } catch {
                    // The socket failed or was closed for shutdown: the loop ends either way.
                }
            }
        }
    }

    /// Serves each connection's queries in order, one connection per child task.
    func serveTCP(_ server: NIOAsyncChannel<TCPConnection, Never>) async throws {
        let forwarder = self.forwarder
        let slots = Slots(limits.maxTCPConnections)
        try await server.executeThenClose { connections in
            await withDiscardingTaskGroup { group in
                do {
                    for try await connection in connections {
                        guard slots.take() else {
                            connection.channel.close(promise: nil)
                            continue
                        }
                        group.addTask {
                            defer { slots.give() }
                            try? await self.serve(connection, with: forwarder)
                        }
                    }
                } catch {
                    // The listener was closed for shutdown.
                }
                group.cancelAll()  // open connections end with the listener
            }
        }
    }

    private func serve(_ connection: TCPConnection, with forwarder: DNSForwarder) async throws {
        try await connection.executeThenClose { inbound, outbound in
            for try await frame in inbound {
                let query = Array(frame.readableBytesView)
                let answer: [UInt8]
                switch decide(query) {
                case .drop:
                    record(.malformed)
                    return
                case .reply(let reply):
                    record(reply.outcome)
                    answer = try reply.message.encoded()
                case .forward:
                    answer = await forwarded(query, with: forwarder, tcp: true)
                }
                var buffer = ByteBuffer()
                buffer.writeInteger(UInt16(answer.count))
                buffer.writeBytes(answer)
                try await outbound.write(buffer)
            }
        }
    }

    /// The upstreams' answer, or SERVFAIL.
    private func forwarded(_ query: [UInt8], with forwarder: DNSForwarder, tcp: Bool = false) async -> [UInt8] {
        if let answer = await forwarder.forward(query, clientUsesTCP: tcp) {
            record(.forwarded)
            return answer
        }
        record(.servfail)
        return serverFailure(for: query) ?? []
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// A count of free places (forwards in flight, open connections); taking one fails when none is free.
private final class Slots: Sendable {
    private let free: Mutex<Int>

    init(_ count: Int) {
        free = Mutex(count)
    }

    func take() -> Bool {
        free.withLock { free in
            guard free > 0 else { return false }
            free -= 1
            return true
        }
    }

    func give() {
        free.withLock { $0 += 1 }
    }
}
