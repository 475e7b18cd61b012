/// Finds query parameters without building a dictionary per request.
///
/// Names and values are compared as sent, without percent-decoding, like Envoy's query parameter
/// matcher (`parseQueryString`, not `parseAndDecodeQueryString`): `?a%20b=1` has parameter
/// `a%20b`. A parameter written without `=` is present with the empty value.
enum QueryString {
    /// The value of the first parameter called `name`, or nil when it is absent.
    static func firstValue(of name: String, in query: Substring?) -> Substring? {
        guard let query else { return nil }
        var rest = query
        while !rest.isEmpty {
            let end = rest.utf8.firstIndex(of: UInt8(ascii: "&")) ?? rest.endIndex
            let pair = rest[..<end]
            let equals = pair.utf8.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            if pair[..<equals].utf8.elementsEqual(name.utf8) {
                return equals == pair.endIndex ? pair[equals...] : pair[pair.index(after: equals)...]
            }
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
        }
        return nil
    }
}
