/// Samples "this share of requests" decisions (faults, mirroring), given as percentages 0...100.
enum Percentage {
    /// True for `percentage`% of calls; 0 (or less, or NaN) never and 100 (or more) always, both
    /// without drawing a random number, so fixed percentages stay deterministic and cheap.
    /// Fractions are honoured to a millionth of a percent.
    static func sample<G: RandomNumberGenerator>(_ percentage: Double, using generator: inout G) -> Bool {
        guard percentage > 0 else { return false }
        guard percentage < 100 else { return true }
        let threshold = UInt64((percentage * 1_000_000).rounded())
        return generator.next(upperBound: UInt64(100_000_000)) < threshold
    }
}
