import NIOHTTP1

/// Reads header values the way Envoy's matchers and hash policies see them.
enum HeaderLookup {
    /// The value of header `name`, or all its values joined with `,` when it is repeated (Envoy
    /// matches a repeated header as one comma-joined value); nil when absent. Allocates only for a
    /// repeated header.
    static func value(of name: String, in headers: HTTPHeaders) -> String? {
        var found: String?
        var joined: String?
        for header in headers where ASCII.equalsIgnoringCase(header.name.utf8, name.utf8) {
            if joined != nil {
                joined! += ","
                joined! += header.value
            } else if let first = found {
                joined = first + "," + header.value
            } else {
                found = header.value
            }
        }
        return joined ?? found
    }

    /// The value of cookie `name` in the request's `Cookie` headers (`a=1; b=2`), without quotes.
    static func cookie(named name: String, in headers: HTTPHeaders) -> Substring? {
        for header in headers where ASCII.equalsIgnoringCase(header.name.utf8, "cookie".utf8) {
            for pair in header.value.split(separator: ";", omittingEmptySubsequences: true) {
                guard let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let key = ASCII.trimmed(pair[..<equals])
                guard key.utf8.elementsEqual(name.utf8) else { continue }
                var value = ASCII.trimmed(pair[pair.index(after: equals)...])
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = value.dropFirst().dropLast()
                }
                return value
            }
        }
        return nil
    }
}
