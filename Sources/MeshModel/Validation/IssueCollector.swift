/// Gathers the issues of one resource while the validator walks it.
struct IssueCollector {
    let resource: String
    private(set) var issues: [FieldIssue] = []

    init(resource: String) {
        self.resource = resource
    }

    mutating func error(_ path: String, _ message: String) {
        issues.append(FieldIssue(resource: resource, path: path, message: message, severity: .error))
    }

    mutating func warning(_ path: String, _ message: String) {
        issues.append(FieldIssue(resource: resource, path: path, message: message, severity: .warning))
    }
}
