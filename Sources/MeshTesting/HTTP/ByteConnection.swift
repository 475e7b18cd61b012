public import NIOCore
import NIOPosix
import Synchronization

/// A TCP connection to 127.0.0.1 for conversations a request/response client cannot hold (a
/// WebSocket after its handshake): send bytes whenever, and look at everything received so far.
public final class ByteConnection: Sendable {
    private let channel: any Channel
    private let collector: Collector

    public static func connect(port: Int, group: any EventLoopGroup) async throws -> ByteConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return ByteConnection(channel: channel, collector: collector)
    }

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    public func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Everything read so far.
    public var received: [UInt8] { collector.bytes.withLock { $0 } }
    /// The peer closed the connection.
    public var isClosed: Bool { collector.closed.withLock { $0 } }

    /// Drops what was read so far (the next look sees only newer bytes).
    public func clear() { collector.bytes.withLock { $0.removeAll() } }

    public func close() async {
        try? await channel.close()
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])
        let closed = Mutex(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLock { $0 = true }
            context.fireChannelInactive()
        }
    }
}

/// RFC 6455 frames for tests, written by hand so the proxy under test sees exactly these bytes.
public enum WebSocketWire {
    public struct Frame: Sendable, Equatable {
        public var opcode: UInt8
        public var payload: [UInt8]
        public var text: String { String(decoding: payload, as: UTF8.self) }

        public init(opcode: UInt8, payload: [UInt8]) {
            self.opcode = opcode
            self.payload = payload
        }
    }

    /// A masked client frame (FIN set): `opcode` 1 text, 2 binary, 8 close, 9 ping.
    public static func clientFrame(opcode: UInt8 = 1, _ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x80 | opcode]
        let mask: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
        switch payload.count {
        case ..<126: frame.append(0x80 | UInt8(payload.count))
        case ..<65536: frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        default: frame += [0x80 | 127] + (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xff) }
        }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }

    /// The complete unmasked server frames at the start of `bytes`.
    public static func serverFrames(_ bytes: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        var index = 0
        while index + 2 <= bytes.count {
            let opcode = bytes[index] & 0x0f
            var length = Int(bytes[index + 1] & 0x7f)
            var start = index + 2
            if length == 126 {
                guard start + 2 <= bytes.count else { break }
                length = Int(bytes[start]) << 8 | Int(bytes[start + 1])
                start += 2
            } else if length == 127 {
                guard start + 8 <= bytes.count else { break }
                length = bytes[start..<start + 8].reduce(0) { $0 << 8 | Int($1) }
                start += 8
            }
            guard start + length <= bytes.count else { break }
            frames.append(Frame(opcode: opcode, payload: Array(bytes[start..<start + length])))
            index = start + length
        }
        return frames
    }

    /// Splits an HTTP/1.1 response head from what follows it.
    public static func splitHead(_ bytes: [UInt8]) -> (head: String, rest: [UInt8])? {
        let marker: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where Array(bytes[index..<index + 4]) == marker {
            return (String(decoding: bytes[..<index], as: UTF8.self), Array(bytes[(index + 4)...]))
        }
        return nil
    }
}
