import Foundation
public import MeshAPI
import NIOCore

extension TrafficStats {
    /// Every loop's window cut at the same second (the one now falls in, which is not complete
    /// yet, is left out), merged into one.
    static func collect(from states: LoopStates) async -> TrafficWindow {
        let now = NIODeadline.now()
        let wallClock = Date()
        let second = Self.second(of: now)
        let intoSecond = Int64(now.uptimeNanoseconds % 1_000_000_000)
        var merged = TrafficWindow(
            seconds: windowSeconds,
            sequence: second - 1,
            end: wallClock.addingTimeInterval(-Double(intoSecond) / 1_000_000_000),
            nextSecondIn: .nanoseconds(1_000_000_000 - intoSecond)
        )
        for box in states.all {
            let part = try? await box.eventLoop.submit { box.value.metrics.traffic.window(before: second) }.get()
            if let part { merged.merge(part) }
        }
        return merged
    }

    /// This loop's window before `second`, as a `TrafficWindow` to merge.
    func window(before second: Int64) -> TrafficWindow {
        let (total, services) = seconds(before: second)
        return TrafficWindow(
            seconds: Self.windowSeconds,
            sequence: second - 1,
            end: Date(timeIntervalSince1970: 0),
            nextSecondIn: .zero,
            total: total,
            services: services
        )
    }
}

extension DataPlane: TrafficStatsSource {}
