import Foundation
import NIOCore
import NIOHTTP1

/// Reads one response to its end (NIO's decoder frames it: Content-Length, chunked, or until the
/// server closes) into `response`, failing past `limit` body bytes or if the connection ends first.
final class AdminHTTPResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let response: EventLoopPromise<AdminHTTPResponse>
    private let limit: Int
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    init(response: EventLoopPromise<AdminHTTPResponse>, limit: Int) {
        self.response = response
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                fail(AdminHTTPError.tooLarge(limit: limit), context: context)
                return
            }
            self.head = head
        case .body(var part):
            guard head != nil else { return }
            guard body.readableBytes + part.readableBytes <= limit else {
                head = nil
                fail(AdminHTTPError.tooLarge(limit: limit), context: context)
                return
            }
            body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            self.head = nil
            response.succeed(
                AdminHTTPResponse(
                    status: Int(head.status.code),
                    headers: head.headers.map { ($0.name, $0.value) },
                    body: Data(body.readableBytesView)))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Completing an already completed promise is ignored: after `.end` this does nothing.
        response.fail(AdminHTTPError.closedBeforeResponse)
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        response.fail(error)
        context.close(promise: nil)
    }
}
