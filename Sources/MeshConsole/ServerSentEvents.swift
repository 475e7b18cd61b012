import HTTPTypes
import Hummingbird
import MeshAPI
import NIOCore
import ServiceLifecycle

/// `text/event-stream` answers: each state of a watch as one event, with the watch's
/// latest-value semantics (current state first, then the newest; a slow client skips ahead).
enum ServerSentEvents {
    /// `event: state` / `id: <revision>` / `data: {"revision":N,"items":[…]}` per config state.
    static func configStates(_ states: AsyncStream<ConfigState>) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            // Our own stream so that graceful shutdown can end it: the server waits for
            // in-flight responses, and a watch never ends on its own.
            let (events, continuation) = AsyncStream.makeStream(
                of: ConfigState.self, bufferingPolicy: .bufferingNewest(1)
            )
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await state in states { continuation.yield(state) }
                        continuation.finish()
                    }
                    for await state in events {
                        try await writer.write(try event(state))
                    }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                continuation.finish()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func event(_ state: ConfigState) throws -> ByteBuffer {
        let items = state.resources.values.sorted { $0.key < $1.key }
        var buffer = ByteBuffer(string: "event: state\nid: \(state.revision)\ndata: ")
        var json = try JSONBody.encode(ItemsBody(revision: state.revision, items: items))
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }
}
