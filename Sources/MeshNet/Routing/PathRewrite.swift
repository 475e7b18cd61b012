import MeshModel
import MeshRegex

/// A route's path rewrite, prepared once: Envoy's `prefix_rewrite` or `regex_rewrite`.
///
/// The query string is never rewritten; it is appended to the new path as it came.
struct PathRewrite: Sendable {
    enum Kind: Sendable {
        /// Replace the first `length` UTF-8 bytes of the path (nil: the whole path) by `replacement`.
        case prefix(replacement: String, length: Int?)
        /// Replace every match of the regex (RE2 `GlobalReplace`, as Envoy) by the template.
        case regex(RE2Regex, [SubstitutionPart])
    }

    /// One piece of a `regex_rewrite` substitution: literal text or a capture group (`\1`).
    enum SubstitutionPart: Sendable, Equatable {
        case literal(String)
        case group(Int)
    }

    let kind: Kind

    /// The rewrite of `action` for a route matched by `path`; nil when the action rewrites nothing
    /// or its regex does not compile (reported in `problems`; the caller stops the route matching).
    ///
    /// A prefix rewrite on an exact or regex match replaces the whole path: Envoy replaces the
    /// "matched prefix", which for those matches is all of it. When both rewrites are set (Envoy
    /// refuses that), the prefix rewrite wins.
    init?(
        _ action: Snapshot.RouteAction,
        path: Snapshot.RouteMatch.PathMatch,
        context: String,
        problems: inout [String]
    ) {
        if let replacement = action.prefixRewrite {
            if case .prefix(let prefix) = path {
                kind = .prefix(replacement: replacement, length: prefix.utf8.count)
            } else {
                kind = .prefix(replacement: replacement, length: nil)
            }
        } else if let rewrite = action.regexRewrite {
            switch RE2Regex.compile(rewrite.pattern) {
            case .success(let regex): kind = .regex(regex, Self.parse(rewrite.substitution))
            case .failure(let error):
                problems.append(
                    "\(context): rewrite regex '\(rewrite.pattern)' does not compile, so the route never matches: \(error)"
                )
                return nil
            }
        } else {
            return nil
        }
    }

    /// The new path with the request's query kept.
    func apply(path: Substring, query: Substring?) -> String {
        var result: String
        switch kind {
        case .prefix(let replacement, let length):
            let utf8 = path.utf8
            let cut =
                length.flatMap { utf8.index(utf8.startIndex, offsetBy: $0, limitedBy: utf8.endIndex) } ?? path.endIndex
            result = replacement
            result.reserveCapacity(
                replacement.utf8.count + utf8.distance(from: cut, to: utf8.endIndex) + (query?.utf8.count ?? 0) + 1
            )
            result += path[cut...]
        case .regex(let regex, let parts):
            result = regex.replacingMatches(in: path) { match in
                var piece = ""
                for part in parts {
                    switch part {
                    case .literal(let text): piece += text
                    case .group(let index): if let group = match[index] { piece += group }
                    }
                }
                return piece
            }
        }
        if let query {
            result += "?"
            result += query
        }
        return result
    }

    /// Splits an RE2 substitution: `\0`…`\9` are groups, `\\` is a backslash, anything else literal.
    static func parse(_ template: String) -> [SubstitutionPart] {
        var parts: [SubstitutionPart] = []
        var literal = ""
        var escaping = false
        for character in template {
            if escaping {
                escaping = false
                if let digit = character.wholeNumberValue, character.isASCII {
                    if !literal.isEmpty { parts.append(.literal(literal)) }
                    literal = ""
                    parts.append(.group(digit))
                } else if character == "\\" {
                    literal.append("\\")
                } else {
                    literal.append("\\")
                    literal.append(character)
                }
            } else if character == "\\" {
                escaping = true
            } else {
                literal.append(character)
            }
        }
        if escaping { literal.append("\\") }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }
}
