/// Decodes typed specs from a `JSONValue` tree, rejecting what the types do not declare.
///
/// Unlike `JSONDecoder` it does not stop at the first problem: a bad optional field is logged and
/// decoded as absent, a bad list element is logged after the other elements were checked too, so one
/// pass reports every unknown field, unsupported field, type mismatch and bad enum value with its path.
struct StrictDecoder {
    struct Issue: Hashable {
        var path: String
        var message: String
    }

    /// Decodes `type` from `value`. A value may come back along with issues (unknown fields are
    /// skipped, bad optional fields read as absent); callers treat any issue as failure.
    static func decode<T: Decodable>(
        _ type: T.Type,
        from value: JSONValue,
        at path: [any CodingKey]
    ) -> (value: T?, issues: [Issue]) {
        let log = IssueLog()
        let result = try? log.decode(T.self, from: value, at: path)
        let issues = log.uniqueIssues
        return (result, issues)
    }
}

/// Thrown once a problem was logged, to unwind to the nearest place that can carry on.
struct ReportedIssue: Error {}

/// The issues of one decoding pass, shared by every decoder and container of the pass.
final class IssueLog {
    private(set) var issues: [StrictDecoder.Issue] = []

    var uniqueIssues: [StrictDecoder.Issue] {
        var seen: Set<StrictDecoder.Issue> = []
        return issues.filter { seen.insert($0).inserted }
    }

    func report(_ path: [any CodingKey], _ message: String) -> ReportedIssue {
        issues.append(StrictDecoder.Issue(path: FieldPath.render(path), message: message))
        return ReportedIssue()
    }

    func mismatch(_ expected: String, _ value: JSONValue, _ path: [any CodingKey]) -> ReportedIssue {
        report(path, "expected \(expected), got \(value.typeName)")
    }

    func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: [any CodingKey]) throws -> T {
        if T.self == String.self {
            guard case .string(let text) = value, let result = text as? T else { throw mismatch("string", value, path) }
            return result
        }
        if T.self == Bool.self {
            guard case .bool(let flag) = value, let result = flag as? T else { throw mismatch("boolean", value, path) }
            return result
        }
        if T.self == Double.self || T.self == Float.self {
            let number: Double
            switch value {
            case .int(let integer): number = Double(integer)
            case .double(let double): number = double
            default: throw mismatch("number", value, path)
            }
            if let result = number as? T ?? Float(number) as? T { return result }
            throw mismatch("number", value, path)
        }
        if let integerType = T.self as? any FixedWidthInteger.Type {
            let integer = try decodeInteger(integerType, from: value, at: path)
            guard let result = integer as? T else { throw mismatch("integer", value, path) }
            return result
        }
        if let enumeration = T.self as? any StringEnumeration.Type {
            guard case .string(let text) = value else { throw mismatch("string", value, path) }
            let allowed = enumeration.allowedValues
            guard allowed.contains(text) else {
                throw report(path, "unknown value \"\(text)\", expected one of \(allowed.joined(separator: ", "))")
            }
        }
        do {
            return try T(from: ValueDecoder(value: value, codingPath: path, type: T.self, log: self))
        } catch let error as DecodingError {
            throw report(error)
        }
    }

    private func decodeInteger<I: FixedWidthInteger>(
        _ type: I.Type,
        from value: JSONValue,
        at path: [any CodingKey]
    ) throws -> I {
        switch value {
        case .int(let integer):
            if let result = I(exactly: integer) { return result }
            if integer < 0 && !I.isSigned { throw report(path, "expected a non-negative integer, got \(integer)") }
            throw report(path, "value \(integer) is out of range")
        case .double(let double):
            if double.isFinite, double == double.rounded(), let result = I(exactly: double) { return result }
            throw mismatch("integer", value, path)
        default:
            throw mismatch("integer", value, path)
        }
    }

    /// Errors the types' own `init(from:)` throw (one-of checks, bad base64, unknown protocol).
    private func report(_ error: DecodingError) -> ReportedIssue {
        switch error {
        case .dataCorrupted(let context):
            return report(context.codingPath, context.debugDescription)
        case .keyNotFound(let key, let context):
            return report(context.codingPath + [key], "missing required field")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return report(context.codingPath, context.debugDescription)
        @unknown default:
            return report([], "\(error)")
        }
    }
}
