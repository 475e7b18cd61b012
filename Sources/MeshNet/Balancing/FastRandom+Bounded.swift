extension FastRandom {
    /// A number in `0..<bound` (bound > 0) by Lemire's multiply-shift, one multiplication and no loop.
    /// Its bias is below bound / 2^64, far under anything a balancer could measure, which is why this
    /// skips the rejection step of the standard `next(upperBound:)`.
    @inline(__always)
    mutating func uniform(below bound: UInt64) -> UInt64 {
        bound.multipliedFullWidth(by: next()).high
    }

    /// An index in `0..<count` (count > 0).
    @inline(__always)
    mutating func uniformIndex(below count: Int) -> Int {
        Int(truncatingIfNeeded: uniform(below: UInt64(truncatingIfNeeded: count)))
    }
}
