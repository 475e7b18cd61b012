import Hummingbird
import MeshAPI
import Synchronization

extension AdminConsole {
    /// Live metrics from the data plane in this process: the current minute as JSON, and a
    /// stream with one sample per second.
    func addStatsRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("/api/v1/traffic/stats") { _, _ in
            let source = try requireTrafficStats()
            return JSONBody.response(TrafficStatsBody(await source.trafficStats()))
        }

        // The first event carries the whole minute (so that charts start full); the next ones,
        // one per second, only the summaries: the page appends the newest second itself.
        router.get("/api/v1/watch/traffic") { request, _ in
            let source = try requireTrafficStats()
            return ServerSentEvents.stream(TrafficSampler.samples(from: source), until: streamLimit(for: request)) {
                sample in
                try ServerSentEvents.event(
                    revision: sample.window.sequence,
                    body: TrafficStatsBody(sample.window, withSeries: sample.isFirst)
                )
            }
        }
    }

    func requireTrafficStats() throws -> any TrafficStatsSource {
        guard let trafficStats else { throw APIError.unavailable(role: "gateway") }
        return trafficStats
    }
}

/// One window per second, taken just after each second completes.
enum TrafficSampler {
    struct Sample: Sendable {
        var window: TrafficWindow
        var isFirst: Bool
    }

    /// How long after a second ends its window is cut: the event loops record a request when it
    /// finishes, so a little slack lets the last ones of the second land.
    static let slack: Duration = .milliseconds(30)

    /// Ends when the consuming task is cancelled.
    static func samples(from source: any TrafficStatsSource) -> AsyncStream<Sample> {
        let pacing = Pacing()
        return AsyncStream {
            guard let previous = pacing.last else {
                let window = await source.trafficStats()
                pacing.last = (window.sequence, window.nextSecondIn)
                return Sample(window: window, isFirst: true)
            }
            var wait = previous.wait
            while true {
                do { try await Task.sleep(for: wait + slack) } catch { return nil }
                let window = await source.trafficStats()
                // Woken early (a clock of its own, a busy host): wait for the second to end.
                guard window.sequence > previous.sequence else {
                    wait = window.nextSecondIn
                    continue
                }
                pacing.last = (window.sequence, window.nextSecondIn)
                return Sample(window: window, isFirst: false)
            }
        }
    }

    /// The newest window sent: its sequence and when its next second ends. Only the stream's one
    /// consumer reads and writes it.
    private final class Pacing: Sendable {
        private let state = Mutex<(sequence: Int64, wait: Duration)?>(nil)
        var last: (sequence: Int64, wait: Duration)? {
            get { state.withLock { $0 } }
            set { state.withLock { $0 = newValue } }
        }
    }
}
