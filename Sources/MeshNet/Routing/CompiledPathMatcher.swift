import MeshModel
import MeshRegex

/// A route's path condition prepared for matching.
///
/// `caseSensitive: false` folds ASCII letters only: paths are ASCII on the wire (anything else is
/// percent-encoded), so this equals Envoy's behaviour without Unicode case mapping. As in Envoy,
/// case sensitivity does not apply to regex matches.
struct CompiledPathMatcher: Sendable {
    enum Kind: Sendable {
        /// Bytes lower-cased when the match ignores case.
        case prefix([UInt8])
        case exact([UInt8])
        case regex(RE2Regex)
        /// The regex did not compile: the route never matches.
        case never
    }

    let kind: Kind
    let ignoresCase: Bool

    init(_ path: Snapshot.RouteMatch.PathMatch, caseSensitive: Bool, context: String, problems: inout [String]) {
        ignoresCase = !caseSensitive
        let bytes: (String) -> [UInt8] = { value in
            caseSensitive ? Array(value.utf8) : value.utf8.map(ASCII.lower)
        }
        switch path {
        case .prefix(let prefix): kind = .prefix(bytes(prefix))
        case .exact(let exact): kind = .exact(bytes(exact))
        case .regex(let pattern):
            switch RE2Regex.compile(pattern) {
            case .success(let regex): kind = .regex(regex)
            case .failure(let error):
                problems.append(
                    "\(context): path regex '\(pattern)' does not compile, so the route never matches: \(error)"
                )
                kind = .never
            }
        }
    }

    func matches(_ path: Substring) -> Bool {
        switch kind {
        case .prefix(let prefix): return ASCII.hasPrefix(path.utf8, prefix, ignoringCase: ignoresCase)
        case .exact(let exact): return ASCII.equals(path.utf8, exact, ignoringCase: ignoresCase)
        case .regex(let regex): return regex.matchesWhole(path)
        case .never: return false
        }
    }
}
