import NIOCore

extension DataPlane {
    /// Connections the original-destination listener has taken since start, all loops together.
    public struct CapturedConnections: Sendable, Hashable {
        /// VIP listener name → connections handed to it.
        public var byListener: [String: Int]
        /// Closed: their original destination is no listener's, or they were not redirected.
        public var unmatched: Int
    }

    /// What the original-destination listener did with the connections it took.
    public func capturedConnections() async -> CapturedConnections {
        var total = CapturedConnections(byListener: [:], unmatched: 0)
        for box in states.all {
            let (byListener, unmatched) =
                (try? await box.eventLoop.submit { (box.value.captures.byListener, box.value.captures.unmatchedCount) }.get())
                ?? ([:], 0)
            total.byListener.merge(byListener, uniquingKeysWith: +)
            total.unmatched += unmatched
        }
        return total
    }
}
