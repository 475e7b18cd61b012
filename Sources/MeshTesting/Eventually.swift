/// Thrown by `eventually` and `waitFor` when a condition did not come true in time.
public struct TimedOut: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it returns true or `timeout` passes. For conditions that no stream
/// announces (a file appearing, a process exiting); prefer awaiting a watch where one exists.
public func eventually(
    _ what: String, timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return }
        if clock.now >= deadline { throw TimedOut("timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// Consumes `stream` until an element satisfies `predicate`, or fails after `timeout`.
public func waitFor<S: AsyncSequence & Sendable>(
    _ what: String, in stream: S, timeout: Duration = .seconds(10), _ predicate: @escaping @Sendable (S.Element) -> Bool
) async throws -> S.Element where S.Element: Sendable {
    try await withThrowingTaskGroup(of: S.Element?.self) { group in
        group.addTask {
            for try await element in stream where predicate(element) { return element }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimedOut("timed out after \(timeout) waiting for \(what)")
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let element = first else {
            throw TimedOut("stream ended while waiting for \(what)")
        }
        return element
    }
}
