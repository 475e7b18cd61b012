/// Compares two secrets in time that depends only on their lengths, not on where they differ.
public func constantTimeEquals(_ lhs: some StringProtocol, _ rhs: some StringProtocol) -> Bool {
    let a = Array(lhs.utf8)
    let b = Array(rhs.utf8)
    // The whole length difference takes part: truncated to a byte, a secret followed by 256 NULs
    // (which pad the shorter side below) would compare equal.
    var difference = UInt(bitPattern: a.count ^ b.count)
    let count = max(a.count, b.count)
    for index in 0..<count {
        let x = index < a.count ? a[index] : 0
        let y = index < b.count ? b[index] : 0
        difference |= UInt(x ^ y)
    }
    return difference == 0
}
