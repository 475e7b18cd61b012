public import Foundation

/// Reads resources as users write them (YAML or JSON, one or many documents), strictly.
///
/// Every key must be a field meshbox knows: an Istio field meshbox does not implement is reported
/// as `not supported`, anything else as `unknown field`, each with its path. Types, enum values,
/// metadata and the rules of `Validator` are checked too, and every issue of every document is
/// reported at once.
public enum ResourceDecoder {
    /// Decodes one or many YAML or JSON documents into validated resources, or throws every issue found.
    ///
    /// Accepts YAML documents separated by `---`, a JSON object, a JSON array of objects, and a
    /// `kind: List` with `items`. Warnings do not fail decoding; see `decodeReportingWarnings`.
    public static func decode(_ text: String) throws(ValidationError) -> [Resource] {
        try decodeReportingWarnings(text).resources
    }

    /// Decodes UTF-8 YAML or JSON.
    public static func decode(_ data: Data) throws(ValidationError) -> [Resource] {
        try decode(String(decoding: data, as: UTF8.self))
    }

    /// Like `decode`, and also returns the warnings of the resources that decoded.
    public static func decodeReportingWarnings(
        _ text: String
    ) throws(ValidationError) -> (resources: [Resource], warnings: [FieldIssue]) {
        let documents: [JSONValue]
        do {
            documents = try DocumentReader.read(text)
        } catch {
            throw ValidationError(issues: [
                FieldIssue(resource: "document \(error.document)", path: error.path, message: error.message)
            ])
        }
        return try decodeReportingWarnings(documents: documents)
    }

    /// Decodes already parsed documents (each a resource, a list of resources or a `kind: List`).
    public static func decodeReportingWarnings(
        documents: [JSONValue]
    ) throws(ValidationError) -> (resources: [Resource], warnings: [FieldIssue]) {
        var issues: [FieldIssue] = []
        var resources: [Resource] = []
        var firstDocument: [ResourceKey: Int] = [:]
        for (offset, document) in flatten(documents).enumerated() {
            let number = offset + 1
            let decoded = DocumentDecoder.decode(document, number: number)
            issues += decoded.issues
            guard let resource = decoded.resource else { continue }
            if let earlier = firstDocument[resource.key] {
                issues.append(
                    FieldIssue(
                        resource: resource.key.description,
                        path: "metadata.name",
                        message: "duplicate resource, also defined in document \(earlier)"
                    )
                )
                continue
            }
            firstDocument[resource.key] = number
            let found = Validator.validate(resource)
            issues += found
            resources.append(resource)
        }
        guard !issues.contains(where: { $0.severity == .error }) else { throw ValidationError(issues: issues) }
        return (resources, issues)
    }

    /// Unwraps JSON arrays and `kind: List` documents into their items; drops empty documents.
    private static func flatten(_ documents: [JSONValue]) -> [JSONValue] {
        documents.flatMap { document -> [JSONValue] in
            switch document {
            case .null:
                return []
            case .array(let items):
                return flatten(items)
            case .object(let object) where object["kind"] == .string("List"):
                return flatten(object["items"]?.arrayValue ?? [])
            default:
                return [document]
            }
        }
    }
}
