import MeshModel
import NIOHTTP1

/// A route's condition on one header or pseudo-header, prepared for matching.
///
/// HTTP/1 has no pseudo-headers, so `:method`, `:authority`, `:scheme` and `:path` are read from
/// the request facts (`:authority` lower-cased, `:path` with its query, as Envoy's `:path`).
/// A missing header never matches a value, so with `invert` a missing header passes (Istio's
/// `withoutHeaders`: "requests without this header value").
struct CompiledHeaderMatcher: Sendable {
    enum Source: Sendable {
        case method, authority, scheme, path
        case header(String)
    }

    let source: Source
    /// nil: the header only has to be present.
    let matcher: CompiledStringMatcher?
    let invert: Bool

    init(_ header: Snapshot.HeaderMatcher, context: String, problems: inout [String]) {
        switch header.name.lowercased() {
        case ":method": source = .method
        case ":authority", "host": source = .authority
        case ":scheme": source = .scheme
        case ":path": source = .path
        default: source = .header(header.name)
        }
        matcher = header.match.map {
            CompiledStringMatcher($0, context: "\(context) header '\(header.name)'", problems: &problems)
        }
        invert = header.invert
    }

    /// A regex that does not compile breaks the matcher even when inverted: the route never matches.
    var isBroken: Bool { matcher?.isBroken ?? false }

    func matches(_ facts: RequestFacts) -> Bool {
        let found: Bool
        switch source {
        case .method: found = matcher?.matches(facts.method) ?? true
        case .authority: found = facts.authority.isEmpty ? false : matcher?.matches(facts.authority) ?? true
        case .scheme: found = matcher?.matches(facts.scheme) ?? true
        case .path: found = matcher?.matches(facts.pathAndQuery) ?? true
        case .header(let name):
            if let value = HeaderLookup.value(of: name, in: facts.head.headers) {
                found = matcher?.matches(value) ?? true
            } else {
                found = false
            }
        }
        return found != invert
    }
}
