/// The path AuthorizationPolicy `paths` are matched against: the URL path normalised as Istio's
/// default (`pathNormalization: BASE`, Envoy's `normalize_path`) normalises it, so that
/// `/public/../admin` or `/%61dmin` cannot slip past a policy on `/admin*`.
///
/// Percent-encoded unreserved characters (RFC 3986 §2.3) are decoded, backslashes become slashes,
/// and dot segments are removed (§5.2.4). Reserved escapes (`%2F`) and repeated slashes stay. The
/// request itself is forwarded unchanged. A path with none of `%`, `\` or `/.` is returned as is.
enum AuthorizationPath {
    static func normalized(_ path: Substring) -> Substring {
        guard needsWork(path.utf8) else { return path }
        var bytes = decodeUnreserved(path.utf8)
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\\") { bytes[index] = UInt8(ascii: "/") }
        return Substring(String(decoding: removeDotSegments(bytes), as: UTF8.self))
    }

    private static func needsWork(_ utf8: Substring.UTF8View) -> Bool {
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: "\\") { return true }
            if byte == UInt8(ascii: "."), previous == UInt8(ascii: "/") { return true }
            previous = byte
        }
        return utf8.first == UInt8(ascii: ".")
    }

    private static func decodeUnreserved(_ utf8: Substring.UTF8View) -> [UInt8] {
        let input = Array(utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
                let high = hex(input[index + 1]), let low = hex(input[index + 2])
            {
                let byte = high << 4 | low
                if isUnreserved(byte) {
                    output.append(byte)
                    index += 3
                    continue
                }
            }
            output.append(input[index])
            index += 1
        }
        return output
    }

    /// RFC 3986 §5.2.4 on a path (`/a/./b/../c` → `/a/c`); `..` above the root stays at the root.
    static func removeDotSegments(_ input: [UInt8]) -> [UInt8] {
        let slash = UInt8(ascii: "/")
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var rest = input[...]
        func starts(_ text: String) -> Bool { rest.starts(with: text.utf8) }
        func isExactly(_ text: String) -> Bool { rest.elementsEqual(text.utf8) }
        func dropLastSegment() {
            if let last = output.lastIndex(of: slash) { output.removeSubrange(last...) } else { output.removeAll() }
        }
        while !rest.isEmpty {
            if starts("../") {
                rest = rest.dropFirst(3)
            } else if starts("./") {
                rest = rest.dropFirst(2)
            } else if starts("/./") {
                rest = rest.dropFirst(2)
            } else if isExactly("/.") {
                rest = [slash][...]
            } else if starts("/../") {
                rest = rest.dropFirst(3)
                dropLastSegment()
            } else if isExactly("/..") {
                rest = [slash][...]
                dropLastSegment()
            } else if isExactly(".") || isExactly("..") {
                rest = rest.dropFirst(rest.count)
            } else {
                let from = rest.first == slash ? rest.index(after: rest.startIndex) : rest.startIndex
                let end = rest[from...].firstIndex(of: slash) ?? rest.endIndex
                output.append(contentsOf: rest[..<end])
                rest = rest[end...]
            }
        }
        return output
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
