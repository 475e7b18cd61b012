import Testing

@testable import MeshNet

@Suite("RetryBackoff")
struct RetryBackoffTests {
    static let millisecond: Int64 = 1_000_000

    @Test("base × 2^(n-1), capped at ten times the base unless a cap is given")
    func envoysShape() {
        let base = 25 * Self.millisecond
        #expect(RetryBackoff.ceiling(base: base, cap: nil, retriesDone: 1) == base)
        #expect(RetryBackoff.ceiling(base: base, cap: nil, retriesDone: 3) == 4 * base)
        #expect(RetryBackoff.ceiling(base: base, cap: nil, retriesDone: 9) == 10 * base)
        #expect(RetryBackoff.ceiling(base: base, cap: 60 * Self.millisecond, retriesDone: 9) == 60 * Self.millisecond)
    }

    @Test("intervals near Int64's limit saturate instead of trapping (a snapshot need not come from our validator)")
    func saturates() {
        // `base * 10` on TimeAmount trapped past about 29 years.
        #expect(RetryBackoff.ceiling(base: .max / 2, cap: nil, retriesDone: 1) == .max / 2)
        #expect(RetryBackoff.ceiling(base: .max / 2, cap: nil, retriesDone: 30) == .max)
        #expect(RetryBackoff.ceiling(base: .max, cap: .max, retriesDone: 21) == .max)
        #expect(RetryBackoff.ceiling(base: 0, cap: 0, retriesDone: 0) == 1)
        #expect(RetryBackoff.ceiling(base: -5, cap: nil, retriesDone: 2) == 2)
    }
}
