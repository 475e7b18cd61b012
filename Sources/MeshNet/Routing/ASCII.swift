/// Byte-level ASCII helpers for the routing hot path.
///
/// `String.lowercased()` and `==` go through Unicode case mapping and normalisation and allocate;
/// host names, header names, methods and the bytes routing compares are ASCII, so comparing UTF-8
/// bytes with ASCII case folding is both correct for them and free of allocations.
enum ASCII {
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    static func hasUppercase(_ bytes: some Sequence<UInt8>) -> Bool {
        // Contiguous bytes (a native string's UTF-8) are read directly: the generic walk over a
        // `String.UTF8View` costs some 30 instructions a byte, and every request's authority
        // comes here twice.
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            for byte in buffer where byte &- UInt8(ascii: "A") < 26 { return true }
            return false
        }
        return contiguous ?? bytes.contains { $0 &- UInt8(ascii: "A") < 26 }
    }

    /// `value` lower-cased, or `value` itself (no copy) when it has no ASCII upper-case letter.
    static func lowercased(_ value: String) -> String {
        hasUppercase(value.utf8) ? value.lowercased() : value
    }

    static func equalsIgnoringCase(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        // Native strings' UTF-8 (and raw buffers) are contiguous: compare bytes without the
        // generic index walk, which showed in profiles of header handling.
        let contiguous = lhs.withContiguousStorageIfAvailable { left in
            rhs.withContiguousStorageIfAvailable { right in
                for index in 0..<left.count where lower(left[index]) != lower(right[index]) { return false }
                return true
            }
        }
        if let contiguous, let result = contiguous { return result }
        return zip(lhs, rhs).allSatisfy { lower($0) == lower($1) }
    }

    /// Whether `value` equals `lowercase` (lower-case letters, digits and `-` only) ignoring
    /// ASCII case: the string's bytes read once, against the literal's, the lengths and first
    /// bytes compared before the rest (most names on the data path differ in one or the other).
    @inline(__always)
    static func equalsIgnoringCase(_ value: String, lowercase: StaticString) -> Bool {
        let expected = lowercase.utf8Start
        let count = lowercase.utf8CodeUnitCount
        let contiguous = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard bytes.count == count, count > 0, lower(bytes[0]) == expected[0] else { return false }
            for index in 1..<count where lower(bytes[index]) != expected[index] { return false }
            return true
        }
        return contiguous ?? equalsIgnoringCase(value.utf8, UnsafeBufferPointer(start: expected, count: count))
    }

    /// Whether `value` starts with `prefix`, whose bytes are already lower case when `ignoringCase`.
    static func hasPrefix(_ value: Substring.UTF8View, _ prefix: [UInt8], ignoringCase: Bool) -> Bool {
        guard value.count >= prefix.count else { return false }
        if !ignoringCase { return value.starts(with: prefix) }
        return zip(value, prefix).allSatisfy { lower($0) == $1 }
    }

    /// Whether `value` ends with `suffix` (exact bytes).
    static func hasSuffix(_ value: Substring.UTF8View, _ suffix: [UInt8]) -> Bool {
        guard value.count >= suffix.count else { return false }
        return value[value.index(value.endIndex, offsetBy: -suffix.count)...].elementsEqual(suffix)
    }

    /// Whether `value` equals `other`, whose bytes are already lower case when `ignoringCase`.
    static func equals(_ value: Substring.UTF8View, _ other: [UInt8], ignoringCase: Bool) -> Bool {
        guard value.count == other.count else { return false }
        if !ignoringCase { return value.elementsEqual(other) }
        return zip(value, other).allSatisfy { lower($0) == $1 }
    }

    /// Calls `body` with each element of the comma-separated list `value` (`a, b,c`), spaces and
    /// tabs trimmed and empty elements skipped, as raw bytes: no array, no substrings.
    static func forEachListElement(_ value: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        var value = value
        value.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            forEachListElement(raw, 0, raw.count, body)
        }
    }

    /// The same for the list in `raw[start..<end]` (a field value still in a message's bytes).
    static func forEachListElement(
        _ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        var elementStart = start
        var index = start
        while index <= end {
            if index == end || raw[index] == UInt8(ascii: ",") {
                var first = elementStart
                var last = index
                while first < last && (raw[first] == UInt8(ascii: " ") || raw[first] == UInt8(ascii: "\t")) { first += 1 }
                while last > first && (raw[last - 1] == UInt8(ascii: " ") || raw[last - 1] == UInt8(ascii: "\t")) { last -= 1 }
                if last > first { body(UnsafeRawBufferPointer(rebasing: raw[first..<last])) }
                elementStart = index + 1
            }
            index += 1
        }
    }

    /// Leading and trailing spaces and tabs removed, as HTTP list elements are written (`a, b`).
    static func trimmed(_ value: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = value.firstIndex(where: { !isSpace($0) }) else { return value[value.endIndex...] }
        let last = value.lastIndex(where: { !isSpace($0) }) ?? first
        return value[first...last]
    }
}
