import MeshRegex
import Testing

@Suite("RE2Regex")
struct RE2RegexTests {
    static func compiled(_ pattern: String) throws -> RE2Regex {
        try RE2Regex.compile(pattern).get()
    }

    @Test(
        "a match is a match of the whole value, as Envoy's safe_regex",
        arguments: [
            ("/users/[0-9]+", "/users/42", true), ("/users/[0-9]+", "/users/42/posts", false),
            ("/users/[0-9]+", "/v1/users/42", false), ("v[0-9]", "v22", false), ("(?i)/API", "/api", true),
            ("[a-z]+", "beta2", false), ("", "", true), ("a.c", "a\nc", false), ("é+", "éé", true),
        ])
    func wholeMatch(pattern: String, value: String, expected: Bool) throws {
        #expect(try Self.compiled(pattern).matchesWhole(value) == expected)
    }

    @Test("the ReDoS shape is answered on a long input, matching or not")
    func noBacktracking() throws {
        let regex = try Self.compiled("/redos/(a|aa)+")
        let long = "/redos/" + String(repeating: "a", count: 100_000)
        #expect(!regex.matchesWhole(long + "b"))
        #expect(regex.matchesWhole(long))
        #expect(try !Self.compiled("(x+x+)+y").matchesWhole(String(repeating: "x", count: 50_000)))
    }

    @Test(
        "what RE2 cannot run in linear time does not compile, with RE2's reason",
        arguments: [
            ("(a)\\1", "invalid escape sequence: \\1"), ("(?=x)", "invalid perl operator: (?="),
            ("(?!x)", "invalid perl operator: (?!"), ("(?<=x)a", "invalid perl operator: (?<"),
            ("a(b", "missing ): a(b"), ("[z-a]", "invalid character class range: z-a"),
        ])
    func refused(pattern: String, reason: String) {
        let error = #expect(throws: RE2Regex.CompileError.self) { try RE2Regex.compile(pattern).get() }
        #expect(error?.message == reason)
    }

    @Test("a pattern over the program-size cap does not compile; one under it does")
    func programSize() throws {
        #expect(throws: RE2Regex.CompileError.self) { try RE2Regex.compile(String(repeating: ".{1000}", count: 5)).get() }
        #expect(throws: RE2Regex.CompileError.self) { try RE2Regex.compile("(\\pL{50}){20}").get() }
        #expect(try Self.compiled(".{1000}").matchesWhole(String(repeating: "x", count: 1000)))
    }

    @Test(
        "replacing substitutes every non-overlapping match left to right, with groups, as RE2's GlobalReplace",
        arguments: [
            ("^/service/([^/]+)(/.*)$", "/service/foo/v1/api", "<1=foo 2=/v1/api>"),
            ("/v[0-9]+/", "/v1/a/v22/b", "<1=- 2=->a<1=- 2=->b"),
            ("x*", "/ab", "<1=- 2=->/<1=- 2=->a<1=- 2=->b<1=- 2=->"),
            ("a|(b)", "abc", "<1=- 2=-><1=b 2=->c"),
            ("^/nomatch$", "/x", "/x"),
            ("é", "aéb", "a<1=- 2=->b"),
        ])
    func replacing(pattern: String, text: String, expected: String) throws {
        let regex = try Self.compiled(pattern)
        let result = regex.replacingMatches(in: text[...]) { match in
            "<1=\(match[1] ?? "-") 2=\(match[2] ?? "-")>"
        }
        #expect(result == expected)
    }

    @Test("a group past the pattern's groups is nil; group 0 is the whole match")
    func groups() throws {
        let regex = try Self.compiled("b(c)")
        #expect(regex.captureCount == 1)
        let result = regex.replacingMatches(in: "abcd") { match in "[\(match[0] ?? "")|\(match[1] ?? "")|\(match[2] ?? "nil")]" }
        #expect(result == "a[bc|c|nil]d")
    }
}
