public import Logging
import Synchronization

/// Keeps what is logged, for tests that check a message was (or was not) written.
public final class LogRecorder: Sendable {
    public struct Record: Sendable {
        public var level: Logger.Level
        public var message: String
        /// The message's metadata over the logger's, values as text.
        public var metadata: [String: String]
    }

    private let stored = Mutex<[Record]>([])

    public init() {}

    public var records: [Record] { stored.withLock { $0 } }

    /// A handler for `Logger(label:factory:)`: `Logger(label: "test") { _ in recorder.handler }`.
    public var handler: any LogHandler { Handler(recorder: self) }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let record = Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
            recorder.stored.withLock { $0.append(record) }
        }
    }
}
