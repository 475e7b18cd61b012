extension ResourceDecoder {
    /// Like `decodeReportingWarnings(_:)`, but a `Secret` value that is a redaction placeholder (as
    /// `GET`, `meshbox get -o yaml` and the console show it) is replaced by the stored value it
    /// stands for, so that a resource fetched, edited elsewhere and applied back keeps its key
    /// material. A placeholder that matches nothing stored stays, and validation refuses it.
    ///
    /// - Parameter stored: the stored Secrets, by key (only those named in `text` are consulted).
    public static func decodeReportingWarnings(
        _ text: String,
        restoringRedactedSecretsFrom stored: [ResourceKey: Resource]
    ) throws(ValidationError) -> (resources: [Resource], warnings: [FieldIssue]) {
        guard SecretSpec.mayContainRedactionPlaceholders(text) else { return try decodeReportingWarnings(text) }
        let documents: [JSONValue]
        do {
            documents = try DocumentReader.read(text)
        } catch {
            throw ValidationError(issues: [
                FieldIssue(resource: "document \(error.document)", path: error.path, message: error.message)
            ])
        }
        return try decodeReportingWarnings(documents: documents.map { restoringRedacted($0, from: stored) })
    }

    /// `document` with the placeholders of its Secrets put back from `stored`, recursing into lists and `kind: List`.
    public static func restoringRedacted(_ document: JSONValue, from stored: [ResourceKey: Resource]) -> JSONValue {
        switch document {
        case .array(let items):
            return .array(items.map { restoringRedacted($0, from: stored) })
        case .object(var object) where object["kind"] == .string("List"):
            if let items = object["items"]?.arrayValue {
                object["items"] = .array(items.map { restoringRedacted($0, from: stored) })
            }
            return .object(object)
        case .object(var object) where object["kind"] == .string(ResourceKind.secret.rawValue):
            guard let name = object["metadata"]?["name"]?.stringValue else { return document }
            let namespace = object["metadata"]?["namespace"]?.stringValue ?? ObjectMeta.defaultNamespace
            guard
                case .secret(let current)? = stored[ResourceKey(kind: .secret, namespace: namespace, name: name)]?.spec
            else { return document }
            for field in ["data", "stringData"] {
                guard var values = object[field]?.objectValue else { continue }
                for (key, value) in values {
                    guard let text = value.stringValue, SecretSpec.isRedactionPlaceholder(text),
                        let restored = current.restoredValue(for: text, key: key, field: field)
                    else { continue }
                    values[key] = .string(restored)
                }
                object[field] = .object(values)
            }
            return .object(object)
        default:
            return document
        }
    }
}
