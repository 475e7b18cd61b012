/// `x-request-id` values for requests that arrive without one: random version-4 UUIDs, made from
/// the loop's fast generator (ids need to be unique, not secret).
enum RequestIDs {
    static func make(using random: inout FastRandom) -> String {
        var high = random.next()
        var low = random.next()
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC << 60)) | (0x8 << 60)  // variant 10
        return String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            let hex = digits.utf8Start
            let out = buffer.baseAddress!
            var index = 0
            /// Writes the 16 nibbles of `value`, a dash after each nibble whose bit (from the top) is set in `dashes`.
            func put(_ value: UInt64, dashes: UInt16) {
                for nibble in 0..<16 {
                    out[index] = hex[Int(truncatingIfNeeded: (value >> UInt64(60 - 4 * nibble)) & 0xF)]
                    index += 1
                    if dashes & (0x8000 >> nibble) != 0 {
                        out[index] = UInt8(ascii: "-")
                        index += 1
                    }
                }
            }
            // 8-4-4-4-12 hexadecimal digits: high's 16 nibbles, then low's.
            put(high, dashes: 0x0111)
            put(low, dashes: 0x1000)
            return index
        }
    }
}
