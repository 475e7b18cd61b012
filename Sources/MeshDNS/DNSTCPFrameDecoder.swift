public import NIOCore

/// Splits a TCP stream into DNS messages by their two-octet length prefix (RFC 1035 §4.2.2).
package struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    package typealias InboundOut = ByteBuffer

    package init() {}

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            let message = buffer.getSlice(at: buffer.readerIndex + 2, length: Int(length))
        else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2 + Int(length))
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }
}
