import Synchronization

/// A latest-value broadcast: a subscriber first gets the current value, then every newer one;
/// a slow subscriber skips to the newest value instead of buffering a backlog.
///
/// This is how state (config snapshots, registry state, data-plane snapshots) travels between
/// co-located roles (STYLE.md, "How roles talk").
public final class Watch<Value: Sendable>: Sendable {
    private struct State {
        var value: Value
        var nextID = 0
        var subscribers: [Int: AsyncStream<Value>.Continuation] = [:]
        var finished = false
    }

    private let state: Mutex<State>

    public init(_ initial: Value) {
        self.state = Mutex(State(value: initial))
    }

    /// The value now.
    public var current: Value { state.withLock { $0.value } }

    /// Replaces the value and wakes every subscriber.
    public func send(_ value: Value) {
        let continuations = state.withLock { state -> [AsyncStream<Value>.Continuation] in
            state.value = value
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.yield(value) }
    }

    /// Changes the value under the lock (so concurrent updates do not lose each other) and
    /// publishes the result.
    @discardableResult
    public func update<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        let (result, value, continuations) = try state.withLock {
            state -> (R, Value, [AsyncStream<Value>.Continuation]) in
            let result = try body(&state.value)
            return (result, state.value, Array(state.subscribers.values))
        }
        for continuation in continuations { continuation.yield(value) }
        return result
    }

    /// A stream that starts with the current value and then yields the newest value after
    /// each change. Ends when `finish()` is called or the consumer stops iterating.
    public func updates() -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream.makeStream(of: Value.self, bufferingPolicy: .bufferingNewest(1))
        let registered: Bool = state.withLock { state in
            if state.finished { return false }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            continuation.yield(state.value)
            continuation.onTermination = { [weak self] _ in
                self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
            }
            return true
        }
        if !registered {
            continuation.yield(current)
            continuation.finish()
        }
        return stream
    }

    /// Number of live subscribers (for metrics and tests).
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every subscriber's stream; later subscribers get the last value and end.
    public func finish() {
        let continuations = state.withLock { state -> [AsyncStream<Value>.Continuation] in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
