/// The ceiling of a retry's back-off (Envoy's: full jitter over base × 2^(n-1), capped at
/// `max_interval`, by default ten times the base), in nanoseconds. Saturating: a snapshot may come
/// from elsewhere than this process's validator (xDS), so no interval it carries may trap.
enum RetryBackoff {
    static func ceiling(base: Int64, cap: Int64?, retriesDone: Int) -> Int64 {
        let base = max(base, 1)
        let tenfold = base.multipliedReportingOverflow(by: 10)
        let cap = cap ?? (tenfold.overflow ? .max : tenfold.partialValue)
        let shift = Int64(min(max(retriesDone - 1, 0), 20))
        let grown = base > (Int64.max >> shift) ? Int64.max : base << shift
        return max(1, min(cap, grown))
    }
}
