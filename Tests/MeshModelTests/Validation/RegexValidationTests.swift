import MeshModel
import Testing

/// Route regexes are checked at apply by the engine the data plane runs them with (RE2): what RE2
/// cannot run in linear time is refused with the field path and RE2's reason, not applied as a
/// route that never matches.
@Suite("Regex validation")
struct RegexValidationTests {
    static let route = "route: [{destination: {host: reviews}}]"

    static func virtualService(match: String) -> String {
        "{hosts: [a], http: [{match: [\(match)], \(route)}]}"
    }

    @Test(
        "backreferences and lookaround are refused with the field path and RE2's message",
        arguments: [
            ("{uri: {regex: \"(a)\\\\1\"}}", "spec.http[0].match[0].uri.regex", "(a)\\1", "invalid escape sequence: \\1"),
            ("{uri: {regex: \"(?=x)\"}}", "spec.http[0].match[0].uri.regex", "(?=x)", "invalid perl operator: (?="),
            ("{uri: {regex: \"/a(?!b)\"}}", "spec.http[0].match[0].uri.regex", "/a(?!b)", "invalid perl operator: (?!"),
            ("{uri: {regex: \"(?<=x)a\"}}", "spec.http[0].match[0].uri.regex", "(?<=x)a", "invalid perl operator: (?<"),
            ("{headers: {x-v: {regex: \"(?=x)\"}}}", "spec.http[0].match[0].headers.x-v.regex", "(?=x)", "invalid perl operator: (?="),
            ("{queryParams: {q: {regex: \"(a)\\\\1\"}}}", "spec.http[0].match[0].queryParams.q.regex", "(a)\\1", "invalid escape sequence: \\1"),
            ("{authority: {regex: \"(?=x)\"}}", "spec.http[0].match[0].authority.regex", "(?=x)", "invalid perl operator: (?="),
        ])
    func refused(match: String, path: String, pattern: String, reason: String) {
        #expect(validation(.virtualService, Self.virtualService(match: match)) == ["\(path): invalid regex \"\(pattern)\": \(reason)"])
    }

    @Test("a rewrite regex RE2 cannot run is refused at its field")
    func rewrite() {
        let spec = "{hosts: [a], http: [{rewrite: {uriRegexRewrite: {match: \"(?=x)\", rewrite: /y}}, \(Self.route)}]}"
        #expect(
            validation(.virtualService, spec) == [
                "spec.http[0].rewrite.uriRegexRewrite.match: invalid regex \"(?=x)\": invalid perl operator: (?="
            ])
    }

    @Test("a pattern whose program is too large is refused")
    func programTooLarge() {
        let pattern = String(repeating: ".{1000}", count: 5)
        let issues = validation(.virtualService, Self.virtualService(match: "{uri: {regex: \"\(pattern)\"}}"))
        #expect(issues.count == 1)
        #expect(issues.first?.hasPrefix("spec.http[0].match[0].uri.regex: invalid regex \"\(pattern)\": pattern too large") == true)
    }

    @Test(
        "RE2 patterns that worked before still apply, the ReDoS shape included",
        arguments: ["/redos/(a|aa)+", "/users/[0-9]+", "^/service/([^/]+)(/.*)$", "(?i)/api/\\\\d+", "(?P<id>[a-z]+)"])
    func accepted(pattern: String) {
        #expect(validation(.virtualService, Self.virtualService(match: "{uri: {regex: \"\(pattern)\"}}")) == [])
    }
}
