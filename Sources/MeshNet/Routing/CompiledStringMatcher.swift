import MeshModel
import MeshRegex

/// A `Snapshot.StringMatcher` prepared for matching: UTF-8 bytes for the literal kinds, a
/// compiled regex for `regex`. Case-sensitive, as Envoy's `StringMatcher` without `ignore_case`.
struct CompiledStringMatcher: Sendable {
    enum Kind: Sendable {
        case exact([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case regex(RE2Regex)
        /// The pattern did not compile: nothing matches.
        case never
    }

    let kind: Kind

    /// Compiles `matcher`; a regex that does not compile is reported in `problems` under `context`.
    init(_ matcher: Snapshot.StringMatcher, context: String, problems: inout [String]) {
        switch matcher {
        case .exact(let value): kind = .exact(Array(value.utf8))
        case .prefix(let value): kind = .prefix(Array(value.utf8))
        case .suffix(let value): kind = .suffix(Array(value.utf8))
        case .regex(let pattern):
            switch RE2Regex.compile(pattern) {
            case .success(let regex): kind = .regex(regex)
            case .failure(let error):
                problems.append("\(context): regex '\(pattern)' does not compile, so it never matches: \(error)")
                kind = .never
            }
        }
    }

    /// Whether the matcher's pattern failed to compile.
    var isBroken: Bool {
        if case .never = kind { return true }
        return false
    }

    func matches(_ value: Substring) -> Bool {
        switch kind {
        case .exact(let bytes): return ASCII.equals(value.utf8, bytes, ignoringCase: false)
        case .prefix(let bytes): return ASCII.hasPrefix(value.utf8, bytes, ignoringCase: false)
        case .suffix(let bytes): return ASCII.hasSuffix(value.utf8, bytes)
        case .regex(let regex): return regex.matchesWhole(value)
        case .never: return false
        }
    }

    func matches(_ value: String) -> Bool {
        matches(value[...])
    }
}
