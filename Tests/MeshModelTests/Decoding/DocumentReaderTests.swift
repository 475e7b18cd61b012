import Testing

@testable import MeshModel

@Suite("DocumentReader limits")
struct DocumentReaderTests {
    /// "Billion laughs": nine levels of ten aliases, about 450 bytes, 10⁹ strings once expanded.
    static let billionLaughs: String = {
        var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            let aliases = Array(repeating: "*\(previous)", count: 10).joined(separator: ",")
            lines.append("\(name): &\(name) [\(aliases)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Eight levels defined inside one map key: nothing to expand outside it, but Yams hashes the
    /// key in full to look for duplicates (the old reader spent 32 s in Yams on these 305 bytes).
    static let keyOnlyBomb: String = {
        var levels = ["&a [" + Array(repeating: "lol", count: 10).joined(separator: ",") + "]"]
        for (previous, name) in zip("abcdefg", "bcdefgh") {
            levels.append("&\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ",") + "]")
        }
        return "? [" + levels.joined(separator: ", ") + "]\n: 1\n"
    }()

    // Before, the bomb expanded (450 bytes grew past 5 GB), or, used as a map key, Yams hashed all
    // of it while composing; now nothing is expanded or composed before the refusal.
    @Test(
        "alias bombs are refused before anything expands them",
        arguments: [
            (billionLaughs, "document 1: a: YAML anchors and aliases are not accepted (&a)"),
            // The same in flow style, where the marked text no longer parses.
            ("{" + billionLaughs.split(separator: "\n").joined(separator: ", ") + "}", "(&a at line 1, column 5)"),
            // Used as a complex key: Yams hashes a key in full to look for duplicates.
            (keyOnlyBomb, "document 1: YAML anchors and aliases are not accepted (&a at line 1, column 4)"),
            (billionLaughs + "? *i\n: 1\n", "document 1: a: YAML anchors"),
            ("kind: Service\n? *i\n: 1\n", "document 1: YAML anchors and aliases are not accepted (*i)"),
        ]
    )
    func aliasBombsAreRefused(text: String, expected: String) {
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.contains(expected) == true, "\(found)")
    }

    @Test(
        "anchors and aliases are refused with where they are",
        arguments: [
            (
                "base: &base\n  a: 1\nother: *base\n",
                "document 1: YAML anchors and aliases are not accepted (&base at line 1, column 7)"
            ),
            (
                "kind: Service\nspec: {ports: [&p {number: 80}]}\n",
                "document 1: YAML anchors and aliases are not accepted (&p at line 2, column 16)"
            ),
            ("a: 1\n---\nx: &x 1\ny: *x\n", "document 2: x: YAML anchors and aliases are not accepted (&x)"),
            ("x: [1, *y]\n", "document 1: x[1]: YAML anchors and aliases are not accepted (*y)"),
            ("&top\nkind: Service\n", "YAML anchors and aliases are not accepted (&top"),
            (#"{"a":*b}"#, "YAML anchors and aliases are not accepted (*b"),
        ]
    )
    func anchorsAreRefused(text: String, expected: String) {
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.contains(expected) == true, "\(found)")
    }

    @Test("& and * in strings, plain text and comments are not anchors")
    func lookalikesDecode() throws {
        let text = """
            # copy *this and &that
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: ["*.example.com"]  # *all subdomains
              http:
              - match:
                - headers:
                    x-quoted: {exact: "rock &roll *stars"}
                    x-plain: {exact: rock &roll *stars}
                    x-single: {exact: 'a *b'}
                - uri: {regex: "/a.*b"}
                route: [{destination: {host: reviews}}]
            """
        let resources = try ResourceDecoder.decode(text)
        #expect(resources.map(\.metadata.name) == ["reviews"])
        guard case .virtualService(let spec) = resources.first?.spec else {
            Issue.record("not a VirtualService")
            return
        }
        #expect(spec.hosts == ["*.example.com"])
    }

    @Test("nesting deeper than the limit is refused, however deep", arguments: [65, 990, 5_000])
    func depthIsBounded(depth: Int) {
        let text = "a: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let found = issues(text)
        #expect(found.count == 1)
        // Below libyaml's own ceiling (1,000 levels) only our limit can refuse it; past it, libyaml's
        // "invalid YAML" is as good an answer.
        let refused = found.first.map {
            $0.contains("nested more than 64 levels deep") || (depth > 1_000 && $0.contains("invalid YAML"))
        }
        #expect(refused == true, "\(found)")
    }

    @Test("nesting up to the limit is read")
    func depthAtLimit() throws {
        let text = "a: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "\n"
        #expect(try DocumentReader.read(text).count == 1)
    }

    @Test("more documents than the limit are refused")
    func documentsAreBounded() {
        let found = issues(String(repeating: "---\n", count: 10_002))
        #expect(found == ["document 10001: more than 10000 documents in one text; apply them in smaller batches"])
    }

    @Test(
        "the node estimate made before composing is never below the nodes composed",
        arguments: Examples.fileNames.map { try! Examples.text($0) } + [
            "{a, b, c}", "[a: 1, b: 2]", "? a\n? b\n", "- - - a\n", "---\n---\n", #"{"a":[1,2,{"b":null}]}"#,
            "a: 1\u{2028}b: 2\u{85}c: 3\u{2029}d: 4", "a:\n  - {x, y}\n  - [p: 1, q]\n", "",
        ]
    )
    func nodeEstimateIsAnUpperBound(text: String) throws {
        var limits = DocumentReader.Limits()
        limits.nodes = DocumentReader.maximumNodes(text)
        _ = try DocumentReader.read(text, limits: limits)
    }

    // 8 MB of `[1,1,…]` took 667 MiB and 24 s to read; Yams composed it all before any limit could look.
    @Test("a text with too many values is refused before composing")
    func flatArrayIsRefused() {
        let text = "[" + String(repeating: "1,", count: 4_000_000) + "1]"
        #expect(
            issues(text) == ["document 1: too many values in one text (at most 500000); apply it in smaller batches"]
        )
    }

    // Yams reads YAML 1.1 base-60 integers with trapping arithmetic: each of these aborted the
    // process from any value of any document, dryRun included.
    @Test(
        "base-60 numbers are strings, as in YAML 1.2, and cannot overflow",
        arguments: ["9223372036854775807:59", "1:0:0:0:0:0:0:0:0:0:0:0", "-9223372036854775807:59", "1:30", "1:30.5"]
    )
    func sexagesimalIsString(text: String) throws {
        #expect(try DocumentReader.read("a: \(text)\n") == [.object(["a": .string(text)])])
    }

    @Test("more values than the limit are refused")
    func nodesAreBounded() throws {
        var limits = DocumentReader.Limits()
        limits.nodes = DocumentReader.maximumNodes("[1, 2, 3, 4]")
        #expect(try DocumentReader.read("[1, 2, 3, 4]", limits: limits).count == 1)
        #expect(throws: DocumentReader.Failure.self) { try DocumentReader.read("[1, 2, 3, 4, 5]", limits: limits) }
    }
}
