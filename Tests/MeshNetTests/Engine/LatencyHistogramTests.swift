import MeshAPI
import Testing

@Suite("LatencyHistogram")
struct LatencyHistogramTests {
    @Test("buckets are contiguous from 0 µs to the maximum, each at most 25 % wide")
    func bucketsAreContiguous() {
        var expectedLower = 0
        for index in 0..<LatencyHistogram.bucketCount {
            let (lower, upper) = LatencyHistogram.bounds(of: index)
            #expect(lower == expectedLower, "bucket \(index)")
            #expect(LatencyHistogram.bucket(microseconds: lower) == index)
            #expect(LatencyHistogram.bucket(microseconds: upper - 1) == index)
            if lower >= 4 { #expect(Double(upper - lower) <= 0.25 * Double(lower)) }
            expectedLower = upper
        }
        #expect(expectedLower == LatencyHistogram.maxMicroseconds + 1)
        #expect(LatencyHistogram.bucket(microseconds: -5) == 0)
        #expect(LatencyHistogram.bucket(microseconds: 10_000_000_000) == LatencyHistogram.bucketCount - 1)
    }

    /// Durations in microseconds; the exact percentiles are compared with the estimates.
    static let samples: [(String, [Int])] = [
        ("one value", [2_000]),
        ("uniform 1-100 ms", (1...1000).map { $0 * 100 }),
        ("fast with a slow tail", Array(repeating: 300, count: 980) + Array(repeating: 250_000, count: 20)),
        ("two clusters", Array(repeating: 1_200, count: 500) + Array(repeating: 45_000, count: 500)),
        ("sub-millisecond spread", (0..<997).map { 50 + ($0 * 7919) % 900 }),
    ]

    @Test("p50 and p99 are exact to within the width of the bucket they fall in", arguments: samples)
    func percentileAccuracy(name: String, values: [Int]) throws {
        var histogram = LatencyHistogram()
        for value in values { histogram.record(microseconds: value) }
        #expect(histogram.total == values.count)
        let sorted = values.sorted()
        for quantile in [0.5, 0.99] {
            let rank = max(1, Int((quantile * Double(values.count)).rounded(.up)))
            let exact = sorted[rank - 1]
            let (lower, upper) = LatencyHistogram.bounds(of: LatencyHistogram.bucket(microseconds: exact))
            let estimate = try #require(histogram.percentile(quantile)) * 1000
            #expect(
                abs(estimate - Double(exact)) <= Double(upper - lower),
                "\(name) p\(Int(quantile * 100)): \(estimate) µs vs \(exact) µs"
            )
        }
    }

    @Test("an empty histogram has no percentile")
    func empty() {
        #expect(LatencyHistogram().percentile(0.5) == nil)
        #expect(LatencyHistogram(offset: 3, counts: [0, 0, 0]).isEmpty)
    }

    @Test("merging equals counting everything in one")
    func merge() {
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        var all = LatencyHistogram()
        for value in [5, 90, 1_500] { first.record(microseconds: value); all.record(microseconds: value) }
        for value in [1, 400_000, 1_500, 70] { second.record(microseconds: value); all.record(microseconds: value) }
        var merged = first
        merged.merge(second)
        #expect(merged == all)
        var other = second
        other.merge(first)
        #expect(other == all)
        var fromEmpty = LatencyHistogram()
        fromEmpty.merge(first)
        #expect(fromEmpty == first)
    }
}
