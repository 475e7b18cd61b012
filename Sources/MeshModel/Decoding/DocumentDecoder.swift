/// Decodes one document (`apiVersion`, `kind`, `metadata`, `spec`) into a `Resource`.
enum DocumentDecoder {
    private static let topLevelFields: Set<String> = ["apiVersion", "kind", "metadata", "spec"]
    private static let unsupportedTopLevelFields: Set<String> = ["status"]

    static func decode(_ document: JSONValue, number: Int) -> (resource: Resource?, issues: [FieldIssue]) {
        guard case .object(let object) = document else {
            let issue = FieldIssue(
                resource: "document \(number)",
                path: "",
                message: "expected a map with apiVersion, kind, metadata and spec, got \(document.typeName)"
            )
            return (nil, [issue])
        }
        let kind = object["kind"]?.stringValue.flatMap(ResourceKind.init(rawValue:))
        let metadata = object["metadata"]
        let label = identity(kind: kind, metadata: metadata) ?? "document \(number)"
        var issues: [FieldIssue] = []
        func add(_ path: String, _ message: String) {
            issues.append(FieldIssue(resource: label, path: path, message: message))
        }

        // A Secret keeps its fields beside metadata (Kubernetes' shape); every other kind has a spec.
        let allowedFields: Set<String> =
            kind == .secret ? Set(["apiVersion", "kind", "metadata"]).union(SecretSpec.documentFields) : topLevelFields
        let unsupportedFields =
            kind == .secret ? unsupportedTopLevelFields.union(SecretSpec.unsupportedFields) : unsupportedTopLevelFields
        for name in object.keys.sorted() where !allowedFields.contains(name) {
            add(name, unsupportedFields.contains(name) ? "not supported" : "unknown field")
        }
        let apiVersion = checkKindAndVersion(object, kind: kind, add: add)
        let meta = decodeMetadata(metadata, add: add)
        guard let kind else { return (nil, issues) }
        let spec =
            kind == .secret
            ? decodeSecret(object.filter { SecretSpec.documentFields.contains($0.key) }, add: add)
            : decodeSpec(object["spec"], kind: kind, add: add)
        guard issues.isEmpty, let apiVersion, let meta, let spec else {
            // The resource does not decode, but its metadata may have problems of its own.
            if let meta {
                var metadataIssues = IssueCollector(resource: label)
                Validator.validateMetadata(meta, kind: kind, into: &metadataIssues)
                issues += metadataIssues.issues
            }
            return (nil, issues)
        }
        return (Resource(apiVersion: apiVersion, metadata: meta, spec: spec), issues)
    }

    /// `Kind namespace/name` when the document has a known kind and a name, else nil.
    private static func identity(kind: ResourceKind?, metadata: JSONValue?) -> String? {
        guard let kind, let name = metadata?["name"]?.stringValue, !name.isEmpty else { return nil }
        let namespace = metadata?["namespace"]?.stringValue ?? ObjectMeta.defaultNamespace
        return ResourceKey(kind: kind, namespace: namespace, name: name).description
    }

    private static func checkKindAndVersion(
        _ object: [String: JSONValue],
        kind: ResourceKind?,
        add: (String, String) -> Void
    ) -> String? {
        switch object["kind"] {
        case nil, .null?:
            add("kind", "missing required field")
        case .string(let name)?:
            if kind == nil {
                let known = ResourceKind.allCases.map(\.rawValue).joined(separator: ", ")
                add("kind", "unknown kind \"\(name)\", expected one of \(known)")
            }
        case let value?:
            add("kind", "expected string, got \(value.typeName)")
        }
        switch object["apiVersion"] {
        case nil, .null?:
            add("apiVersion", "missing required field")
        case .string(let version)?:
            guard let kind else { return version }
            guard kind.acceptedAPIVersions.contains(version) else {
                let accepted = kind.acceptedAPIVersions.joined(separator: ", ")
                add(
                    "apiVersion",
                    "apiVersion \"\(version)\" is not served for \(kind.rawValue), expected one of \(accepted)"
                )
                return nil
            }
            return version
        case let value?:
            add("apiVersion", "expected string, got \(value.typeName)")
        }
        return nil
    }

    private static func decodeMetadata(_ metadata: JSONValue?, add: (String, String) -> Void) -> ObjectMeta? {
        guard let metadata, metadata != .null else {
            add("metadata", "missing required field")
            return nil
        }
        let decoded = StrictDecoder.decode(ObjectMeta.self, from: metadata, at: [NameKey("metadata")])
        for issue in decoded.issues { add(issue.path, issue.message) }
        return decoded.value
    }

    /// A Secret's `type`, `data` and `stringData`, at the top level of the document.
    private static func decodeSecret(_ fields: [String: JSONValue], add: (String, String) -> Void) -> ResourceSpec? {
        let decoded = StrictDecoder.decode(SecretSpec.self, from: .object(fields), at: [])
        for issue in decoded.issues { add(issue.path, issue.message) }
        return decoded.value.map(ResourceSpec.secret)
    }

    private static func decodeSpec(
        _ spec: JSONValue?,
        kind: ResourceKind,
        add: (String, String) -> Void
    ) -> ResourceSpec? {
        var value = spec ?? .null
        if value == .null {
            guard kind == .peerAuthentication || kind == .authorizationPolicy || kind == .requestAuthentication else {
                add("spec", "missing required field")
                return nil
            }
            value = .object([:])
        }
        func strict<T: Decodable>(_ type: T.Type) -> T? {
            let decoded = StrictDecoder.decode(type, from: value, at: [NameKey("spec")])
            for issue in decoded.issues { add(issue.path, issue.message) }
            return decoded.value
        }
        switch kind {
        case .gateway: return strict(GatewaySpec.self).map(ResourceSpec.gateway)
        case .virtualService: return strict(VirtualServiceSpec.self).map(ResourceSpec.virtualService)
        case .destinationRule: return strict(DestinationRuleSpec.self).map(ResourceSpec.destinationRule)
        case .serviceEntry: return strict(ServiceEntrySpec.self).map(ResourceSpec.serviceEntry)
        case .peerAuthentication: return strict(PeerAuthenticationSpec.self).map(ResourceSpec.peerAuthentication)
        case .authorizationPolicy: return strict(AuthorizationPolicySpec.self).map(ResourceSpec.authorizationPolicy)
        case .requestAuthentication:
            return strict(RequestAuthenticationSpec.self).map(ResourceSpec.requestAuthentication)
        case .service: return strict(ServiceSpec.self).map(ResourceSpec.service)
        case .secret: return nil  // decoded by decodeSecret
        }
    }
}

extension ObjectMeta: UnsupportedFieldsDeclaring {
    /// Kubernetes bookkeeping that `kubectl get -o yaml` prints; meaningless to meshbox.
    static var unsupportedFields: Set<String> {
        [
            "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
            "deletionGracePeriodSeconds", "generateName", "ownerReferences", "finalizers", "managedFields", "selfLink",
        ]
    }
}
