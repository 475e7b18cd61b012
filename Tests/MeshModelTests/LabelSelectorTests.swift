import MeshModel
import Testing

@Suite("LabelSelector")
struct LabelSelectorTests {
    static let labels = ["app": "reviews", "version": "v2", "tier": "backend"]

    @Test(
        "requirements match labels",
        arguments: [
            ("app=reviews", true),
            ("app==reviews", true),
            ("app=ratings", false),
            ("app!=ratings", true),
            ("app!=reviews", false),
            ("missing!=x", true),
            ("version in (v1,v2)", true),
            ("version in (v1, v3)", false),
            ("version notin (v1)", true),
            ("version notin (v1,v2)", false),
            ("missing notin (v1)", true),
            ("missing in (v1)", false),
            ("tier", true),
            ("missing", false),
            ("!missing", true),
            ("!tier", false),
            ("app=reviews,version in (v2),!canary", true),
            ("app=reviews, tier=frontend", false),
            ("", true),
        ]
    )
    func matches(selector: String, expected: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(Self.labels) == expected)
    }

    @Test(
        "description is canonical and reads back",
        arguments: [
            ("app = reviews", "app=reviews"),
            ("app==reviews", "app=reviews"),
            ("a!=b", "a!=b"),
            ("env in ( prod , dev )", "env in (dev,prod)"),
            ("env notin (qa)", "env notin (qa)"),
            ("example.com/team", "example.com/team"),
            ("! canary", "!canary"),
            ("a=b,c in (x,y),!d", "a=b,c in (x,y),!d"),
        ]
    )
    func roundTrip(text: String, canonical: String) throws {
        let selector = try LabelSelector(parsing: text)
        #expect(selector.description == canonical)
        #expect(try LabelSelector(parsing: selector.description) == selector)
    }

    @Test(
        "malformed selectors are rejected",
        arguments: [
            "a=b,,c=d",
            "a in x",
            "a in ()",
            "=b",
            "a=b c",
            "a <= 3",
            "Bad Key=x",
            "a=-x-",
        ]
    )
    func rejects(text: String) {
        #expect(throws: ValidationError.self) { try LabelSelector(parsing: text) }
    }

    @Test("the error names the selector and the problem")
    func errorMessage() {
        #expect(throws: ValidationError.self) { try LabelSelector(parsing: "a <= 3") }
        do {
            _ = try LabelSelector(parsing: "a <= 3")
        } catch {
            #expect(
                error.description
                    == "label selector \"a <= 3\": expected =, ==, !=, in or notin after \"a\", got \"<= 3\""
            )
        }
    }

    @Test("matchLabels builds an equality selector")
    func fromMatchLabels() {
        let selector = LabelSelector(matchLabels: ["version": "v2", "app": "reviews"])
        #expect(selector.description == "app=reviews,version=v2")
        #expect(selector.matches(Self.labels))
        #expect(!selector.matches(["app": "reviews"]))
    }
}
