/// One problem found in user input: which resource, which field, and why.
///
/// Rendered as `VirtualService default/reviews: spec.http[0].mirrorPercentage: not supported`.
public struct FieldIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable { case error, warning }

    /// `VirtualService default/reviews`, or `document 3` when the document has no usable identity.
    public var resource: String
    /// Dotted path with list indices: `spec.http[0].route[1].weight`. Empty for whole-document problems.
    public var path: String
    public var message: String
    public var severity: Severity

    public init(resource: String, path: String, message: String, severity: Severity = .error) {
        self.resource = resource
        self.path = path
        self.message = message
        self.severity = severity
    }

    public var description: String {
        path.isEmpty ? "\(resource): \(message)" : "\(resource): \(path): \(message)"
    }
}

/// Thrown when input fails decoding or validation; carries every issue found, not just the first.
public struct ValidationError: Error, Sendable, CustomStringConvertible {
    public var issues: [FieldIssue]
    public init(issues: [FieldIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
