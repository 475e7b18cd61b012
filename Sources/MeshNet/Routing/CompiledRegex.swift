/// A regular expression compiled once, when a route table is built, and then shared by every
/// event loop.
///
/// `Regex` is not declared `Sendable`, only because its lowered program is built lazily on first
/// use. The initializer runs one match so that the program is built before the value is shared;
/// after that a `Regex` is only read, which is what makes the `@unchecked Sendable` sound.
///
/// Matching uses Unicode-scalar semantics, closer to Envoy's RE2 (which matches code points) than
/// Swift's default grapheme-cluster semantics, and cheaper. Swift's syntax is a superset of RE2's
/// for the patterns VirtualServices use; a pattern Swift rejects makes its route never match.
/// A match allocates, unlike the other matchers: prefer prefix and exact matches on hot routes.
struct CompiledRegex: @unchecked Sendable {
    let pattern: String
    let regex: Regex<AnyRegexOutput>

    /// The compiled regex, or the reason the pattern does not compile.
    static func compile(_ pattern: String) -> Result<CompiledRegex, any Error> {
        do {
            let regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
            _ = "".wholeMatch(of: regex)
            return .success(CompiledRegex(pattern: pattern, regex: regex))
        } catch {
            return .failure(error)
        }
    }

    /// Whether the pattern matches all of `value` (RE2 `FullMatch`, as Envoy's `safe_regex`).
    func matchesWhole(_ value: Substring) -> Bool {
        value.wholeMatch(of: regex) != nil
    }
}
