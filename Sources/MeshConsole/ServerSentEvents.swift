import HTTPTypes
import Hummingbird
import MeshAPI
import MeshModel
import NIOCore
import ServiceLifecycle

/// `text/event-stream` answers: each state of a watch as one event, with the watch's
/// latest-value semantics (current state first, then the newest; a slow client skips ahead).
enum ServerSentEvents {
    /// `event: state` / `id: <revision>` / `data: {"revision":N,"items":[…]}` per config state,
    /// the items limited to one kind when `kind` is given.
    static func configStates(
        _ states: AsyncStream<ConfigState>, kind: ResourceKind? = nil, until limit: Duration? = nil
    ) -> Response {
        stream(states, until: limit) { state in
            var items = Array(state.resources.values)
            if let kind { items.removeAll { $0.resource.kind != kind } }
            items.sort { $0.key < $1.key }
            return try event(revision: state.revision, body: ItemsBody(revision: state.revision, items: items))
        }
    }

    /// The same for the registry: `data: {"revision":N,"items":[Instance…]}`, sorted by id.
    static func registryStates(_ states: AsyncStream<RegistryState>, until limit: Duration? = nil) -> Response {
        stream(states, until: limit) { state in
            let items = state.instances.values.sorted { $0.id < $1.id }
            return try event(revision: state.revision, body: ItemsBody(revision: state.revision, items: items))
        }
    }

    /// `limit` ends the stream after that long (a console session's stream ends with the session;
    /// the browser then reconnects, and that request is judged afresh).
    static func stream<State: Sendable>(
        _ states: AsyncStream<State>, until limit: Duration? = nil,
        encode: @escaping @Sendable (State) throws -> ByteBuffer
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            // Our own stream so that graceful shutdown can end it: the server waits for
            // in-flight responses, and a watch never ends on its own.
            let (events, continuation) = AsyncStream.makeStream(of: State.self, bufferingPolicy: .bufferingNewest(1))
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await state in states { continuation.yield(state) }
                        continuation.finish()
                    }
                    if let limit {
                        group.addTask {
                            try await Task.sleep(for: limit)
                            continuation.finish()
                        }
                    }
                    for await state in events {
                        try await writer.write(try encode(state))
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

    static func event(revision: Int64, body: some Encodable) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: state\nid: \(revision)\ndata: ")
        var json = try JSONBody.encode(body)
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }
}
