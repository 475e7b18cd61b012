/// Request durations counted in fixed logarithmic buckets: good enough for p50 and p99 (a
/// percentile is exact to within its bucket's width, at most 25 % of its value), cheap to fill
/// on a data-plane hot path, and mergeable by adding counts.
///
/// Buckets are over microseconds: 0, 1, 2 and 3 µs, then four per power of two (4–5, 5–6, 6–7,
/// 7–8, 8–10, …), up to 2²⁷ µs (about 134 s); longer requests count in the last bucket. Only the
/// run of buckets from the first to the last non-empty one is stored.
public struct LatencyHistogram: Sendable, Hashable {
    /// How many buckets there are; a bucket index is in `0..<bucketCount`.
    public static let bucketCount = 104
    /// The largest duration told apart; longer ones count in the last bucket.
    public static let maxMicroseconds = (1 << 27) - 1

    /// The index of the first stored bucket.
    public private(set) var offset: Int
    /// Counts of buckets `offset`, `offset + 1`, …
    public private(set) var counts: [UInt32]

    public init() {
        offset = 0
        counts = []
    }

    /// A histogram from a dense run of counts starting at bucket `offset` (empty buckets at
    /// either end are dropped).
    public init(offset: Int, counts: some BidirectionalCollection<UInt32>) {
        guard let first = counts.firstIndex(where: { $0 != 0 }), let last = counts.lastIndex(where: { $0 != 0 }) else {
            self.offset = 0
            self.counts = []
            return
        }
        self.offset = offset + counts.distance(from: counts.startIndex, to: first)
        self.counts = Array(counts[first...last])
    }

    /// The number of durations counted.
    public var total: Int { counts.reduce(0) { $0 + Int($1) } }

    public var isEmpty: Bool { counts.isEmpty }

    /// The bucket a duration of `microseconds` falls in.
    @inlinable
    public static func bucket(microseconds: Int) -> Int {
        let value = UInt64(min(max(microseconds, 0), maxMicroseconds))
        if value < 4 { return Int(value) }
        let octave = 63 - value.leadingZeroBitCount  // 2...26
        let quarter = Int((value >> UInt64(octave - 2)) & 3)
        return 4 * (octave - 1) + quarter
    }

    /// The durations bucket `index` holds, in microseconds: `lower..<upper`.
    public static func bounds(of index: Int) -> (lower: Int, upper: Int) {
        if index < 4 { return (index, index + 1) }
        let octave = index / 4 + 1
        let width = 1 << (octave - 2)
        let lower = (4 + index % 4) * width
        return (lower, lower + width)
    }

    /// Counts one duration.
    public mutating func record(microseconds: Int) {
        add(bucket: Self.bucket(microseconds: microseconds), count: 1)
    }

    /// Adds `count` durations to bucket `index`.
    public mutating func add(bucket index: Int, count: UInt32) {
        guard count > 0, (0..<Self.bucketCount).contains(index) else { return }
        if counts.isEmpty {
            offset = index
            counts = [count]
        } else if index < offset {
            counts.insert(contentsOf: repeatElement(0, count: offset - index), at: 0)
            offset = index
            counts[0] = count
        } else if index >= offset + counts.count {
            counts.append(contentsOf: repeatElement(0, count: index - offset - counts.count + 1))
            counts[index - offset] = count
        } else {
            counts[index - offset] &+= count
        }
    }

    /// Adds every count of `other`.
    public mutating func merge(_ other: LatencyHistogram) {
        guard !other.isEmpty else { return }
        guard !isEmpty else {
            self = other
            return
        }
        let low = min(offset, other.offset)
        let high = max(offset + counts.count, other.offset + other.counts.count)
        if low != offset || high != offset + counts.count {
            var widened = [UInt32](repeating: 0, count: high - low)
            for (position, count) in counts.enumerated() { widened[offset - low + position] = count }
            counts = widened
            offset = low
        }
        for (position, count) in other.counts.enumerated() { counts[other.offset - offset + position] &+= count }
    }

    /// The duration below which `quantile` (0…1) of the counted durations fall, in milliseconds,
    /// interpolated within its bucket (the durations in a bucket are taken as evenly spread);
    /// nil when nothing was counted.
    public func percentile(_ quantile: Double) -> Double? {
        let total = self.total
        guard total > 0 else { return nil }
        let rank = min(Double(total), max(1, (quantile * Double(total)).rounded(.up)))
        var below = 0.0
        for (position, count) in counts.enumerated() where count > 0 {
            let here = Double(count)
            if below + here >= rank {
                let (lower, upper) = Self.bounds(of: offset + position)
                let fraction = (rank - below - 0.5) / here
                return (Double(lower) + fraction * Double(upper - lower)) / 1000
            }
            below += here
        }
        return nil
    }
}
