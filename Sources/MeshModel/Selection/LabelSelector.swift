/// A Kubernetes-style label selector: comma-separated requirements that must all hold.
///
/// Syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist).
/// An empty selector selects everything. `description` prints a form `init(parsing:)` reads back.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public var requirements: [Requirement]

    public init(requirements: [Requirement] = []) {
        self.requirements = requirements
    }

    /// The selector `key1=value1,key2=value2`.
    public init(matchLabels: [String: String]) {
        requirements = matchLabels.sorted { $0.key < $1.key }.map {
            Requirement(key: $0.key, operator: .equals, values: [$0.value])
        }
    }

    public init(parsing text: String) throws(ValidationError) {
        requirements = []
        for part in LabelSelector.splitRequirements(text) {
            let trimmed = part.trimmingSpaces()
            if trimmed.isEmpty {
                if text.trimmingSpaces().isEmpty { continue }
                throw LabelSelector.failure(text, "empty requirement")
            }
            requirements.append(try Requirement(parsing: trimmed, in: text))
        }
    }

    /// Whether labels satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    public var isEverything: Bool { requirements.isEmpty }

    public var description: String { requirements.map(\.description).joined(separator: ",") }

    /// Splits at commas outside parentheses.
    private static func splitRequirements(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }

    static func failure(_ text: String, _ message: String) -> ValidationError {
        ValidationError(issues: [FieldIssue(resource: "label selector \"\(text)\"", path: "", message: message)])
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
