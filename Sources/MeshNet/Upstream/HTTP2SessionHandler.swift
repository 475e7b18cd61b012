import NIOCore
import NIOHTTP2

/// Sits after the `NIOHTTP2Handler` of an upstream session and tells the cluster about the
/// frames of the connection itself (the server's SETTINGS and GOAWAY) and its end.
final class HTTP2SessionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let settings: (_ maxConcurrentStreams: Int?) -> Void
    private let goAway: () -> Void
    private let inactive: () -> Void

    init(
        settings: @escaping (_ maxConcurrentStreams: Int?) -> Void,
        goAway: @escaping () -> Void,
        inactive: @escaping () -> Void
    ) {
        self.settings = settings
        self.goAway = goAway
        self.inactive = inactive
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .settings(.settings(let values)):
            let limit = values.last { $0.parameter == .maxConcurrentStreams }.map { Int($0.value) }
            settings(limit)
        case .goAway:
            // NIO fails the streams above the last stream ID itself; the others finish.
            goAway()
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A connection error (protocol violation): NIO has sent GOAWAY; the streams learn it as a reset.
        context.close(promise: nil)
    }
}
