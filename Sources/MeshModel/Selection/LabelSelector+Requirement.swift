extension LabelSelector {
    /// One condition on one label.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public enum Operator: String, Sendable, Hashable, CaseIterable {
            case equals = "="
            case notEquals = "!="
            case `in` = "in"
            case notIn = "notin"
            case exists
            case doesNotExist = "!"
        }

        public var key: String
        public var `operator`: Operator
        /// One value for `=`/`!=`, a sorted set for `in`/`notin`, none for `exists`/`!`.
        public var values: [String]

        public init(key: String, operator: Operator, values: [String] = []) {
            self.key = key
            self.operator = `operator`
            self.values = `operator` == .in || `operator` == .notIn ? Array(Set(values)).sorted() : values
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch self.operator {
            case .equals: return value != nil && value == values.first
            case .notEquals: return value == nil || value != values.first
            case .in: return value.map(values.contains) ?? false
            case .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }

        public var description: String {
            switch self.operator {
            case .equals: "\(key)=\(values.first ?? "")"
            case .notEquals: "\(key)!=\(values.first ?? "")"
            case .in: "\(key) in (\(values.joined(separator: ",")))"
            case .notIn: "\(key) notin (\(values.joined(separator: ",")))"
            case .exists: key
            case .doesNotExist: "!\(key)"
            }
        }

        init(parsing text: String, in selector: String) throws(ValidationError) {
            if text.hasPrefix("!") {
                let key = String(text.dropFirst()).trimmingSpaces()
                try Requirement.checkKey(key, in: selector)
                self.init(key: key, operator: .doesNotExist)
                return
            }
            let keyEnd = text.firstIndex { !Requirement.isKeyCharacter($0) } ?? text.endIndex
            let key = String(text[..<keyEnd])
            try Requirement.checkKey(key, in: selector)
            let rest = String(text[keyEnd...]).trimmingSpaces()
            if rest.isEmpty {
                self.init(key: key, operator: .exists)
            } else if rest.hasPrefix("==") {
                self.init(key: key, operator: .equals, values: [try Requirement.value(rest.dropFirst(2), in: selector)])
            } else if rest.hasPrefix("!=") {
                self.init(
                    key: key,
                    operator: .notEquals,
                    values: [try Requirement.value(rest.dropFirst(2), in: selector)]
                )
            } else if rest.hasPrefix("=") {
                self.init(key: key, operator: .equals, values: [try Requirement.value(rest.dropFirst(1), in: selector)])
            } else if let set = Requirement.setText(rest, keyword: "notin") {
                self.init(key: key, operator: .notIn, values: try Requirement.values(set, in: selector))
            } else if let set = Requirement.setText(rest, keyword: "in") {
                self.init(key: key, operator: .in, values: try Requirement.values(set, in: selector))
            } else {
                throw LabelSelector.failure(
                    selector,
                    "expected =, ==, !=, in or notin after \"\(key)\", got \"\(rest)\""
                )
            }
        }

        private static func isKeyCharacter(_ character: Character) -> Bool {
            character.isASCII && (character.isLetter || character.isNumber || "-_./".contains(character))
        }

        private static func checkKey(_ key: String, in selector: String) throws(ValidationError) {
            guard Syntax.isLabelKey(key) else { throw LabelSelector.failure(selector, "invalid label key \"\(key)\"") }
        }

        private static func value(_ text: Substring, in selector: String) throws(ValidationError) -> String {
            let value = String(text).trimmingSpaces()
            guard Syntax.isLabelValue(value) else {
                throw LabelSelector.failure(selector, "invalid label value \"\(value)\"")
            }
            return value
        }

        /// The inside of `keyword (a,b)`, or nil when `text` is not that form.
        private static func setText(_ text: String, keyword: String) -> Substring? {
            guard text.hasPrefix(keyword) else { return nil }
            let rest = text.dropFirst(keyword.count).drop(while: \.isWhitespace)
            guard rest.first == "(", rest.last == ")", rest.count >= 2 else { return nil }
            return rest.dropFirst().dropLast()
        }

        private static func values(_ set: Substring, in selector: String) throws(ValidationError) -> [String] {
            var values: [String] = []
            for part in set.split(separator: ",", omittingEmptySubsequences: false) {
                values.append(try value(part, in: selector))
            }
            guard !values.allSatisfy(\.isEmpty) else {
                throw LabelSelector.failure(selector, "a set needs at least one value")
            }
            return values
        }
    }
}
