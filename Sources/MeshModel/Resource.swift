/// Identifies one resource in the store.
public struct ResourceKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var kind: ResourceKind
    public var namespace: String
    public var name: String

    public init(kind: ResourceKind, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// `VirtualService default/reviews`, the form every error message uses.
    public var description: String { "\(kind.rawValue) \(namespace)/\(name)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.kind.rawValue, lhs.namespace, lhs.name) < (rhs.kind.rawValue, rhs.namespace, rhs.name)
    }
}

/// `metadata` of a resource, as users write it.
public struct ObjectMeta: Sendable, Hashable, Codable {
    public var name: String
    public var namespace: String
    public var labels: [String: String]
    public var annotations: [String: String]

    public static let defaultNamespace = "default"
    /// Istio's root namespace by default: mesh-wide PeerAuthentication and AuthorizationPolicy
    /// live here (`mesh.rootNamespace` in the appliance's config file changes it).
    public static let defaultRootNamespace = "istio-system"

    /// Whether `text` can name a namespace (a DNS label: lower-case letters, digits and '-', at most 63).
    public static func isValidNamespace(_ text: String) -> Bool { Syntax.isDNSLabel(text) }

    public init(
        name: String,
        namespace: String = ObjectMeta.defaultNamespace,
        labels: [String: String] = [:],
        annotations: [String: String] = [:]
    ) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }

    enum CodingKeys: String, CodingKey { case name, namespace, labels, annotations }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace) ?? ObjectMeta.defaultNamespace
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(namespace, forKey: .namespace)
        if !labels.isEmpty { try container.encode(labels, forKey: .labels) }
        if !annotations.isEmpty { try container.encode(annotations, forKey: .annotations) }
    }
}

/// The typed `spec` of a resource, one case per kind.
public enum ResourceSpec: Sendable, Hashable {
    case gateway(GatewaySpec)
    case virtualService(VirtualServiceSpec)
    case destinationRule(DestinationRuleSpec)
    case serviceEntry(ServiceEntrySpec)
    case peerAuthentication(PeerAuthenticationSpec)
    case authorizationPolicy(AuthorizationPolicySpec)
    case requestAuthentication(RequestAuthenticationSpec)
    case service(ServiceSpec)
    /// A Secret has no `spec`: its fields sit beside `metadata`.
    case secret(SecretSpec)

    public var kind: ResourceKind {
        switch self {
        case .gateway: .gateway
        case .virtualService: .virtualService
        case .destinationRule: .destinationRule
        case .serviceEntry: .serviceEntry
        case .peerAuthentication: .peerAuthentication
        case .authorizationPolicy: .authorizationPolicy
        case .requestAuthentication: .requestAuthentication
        case .service: .service
        case .secret: .secret
        }
    }
}

/// One resource: what a user applies and what the store keeps.
public struct Resource: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: ResourceSpec

    public var kind: ResourceKind { spec.kind }
    public var key: ResourceKey { ResourceKey(kind: kind, namespace: metadata.namespace, name: metadata.name) }

    public init(apiVersion: String? = nil, metadata: ObjectMeta, spec: ResourceSpec) {
        self.apiVersion = apiVersion ?? spec.kind.preferredAPIVersion
        self.metadata = metadata
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, type, data, stringData }

    /// Plain decoding for trusted input (the store's own rows). User input goes through
    /// `ResourceDecoder`, which also rejects unknown fields and validates.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindName = try container.decode(String.self, forKey: .kind)
        guard let kind = ResourceKind(rawValue: kindName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .kind,
                in: container,
                debugDescription: "unknown kind \(kindName)"
            )
        }
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion) ?? kind.preferredAPIVersion
        metadata = try container.decode(ObjectMeta.self, forKey: .metadata)
        switch kind {
        case .gateway: spec = .gateway(try container.decode(GatewaySpec.self, forKey: .spec))
        case .virtualService: spec = .virtualService(try container.decode(VirtualServiceSpec.self, forKey: .spec))
        case .destinationRule: spec = .destinationRule(try container.decode(DestinationRuleSpec.self, forKey: .spec))
        case .serviceEntry: spec = .serviceEntry(try container.decode(ServiceEntrySpec.self, forKey: .spec))
        case .peerAuthentication:
            spec = .peerAuthentication(
                try container.decodeIfPresent(PeerAuthenticationSpec.self, forKey: .spec) ?? PeerAuthenticationSpec()
            )
        case .authorizationPolicy:
            spec = .authorizationPolicy(
                try container.decodeIfPresent(AuthorizationPolicySpec.self, forKey: .spec) ?? AuthorizationPolicySpec()
            )
        case .requestAuthentication:
            spec = .requestAuthentication(
                try container.decodeIfPresent(RequestAuthenticationSpec.self, forKey: .spec) ?? RequestAuthenticationSpec()
            )
        case .service: spec = .service(try container.decode(ServiceSpec.self, forKey: .spec))
        case .secret:
            spec = .secret(
                SecretSpec(
                    type: try container.decodeIfPresent(SecretSpec.SecretType.self, forKey: .type),
                    data: try container.decodeIfPresent([String: String].self, forKey: .data) ?? [:],
                    stringData: try container.decodeIfPresent([String: String].self, forKey: .stringData) ?? [:]))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(apiVersion, forKey: .apiVersion)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encode(metadata, forKey: .metadata)
        switch spec {
        case .gateway(let value): try container.encode(value, forKey: .spec)
        case .virtualService(let value): try container.encode(value, forKey: .spec)
        case .destinationRule(let value): try container.encode(value, forKey: .spec)
        case .serviceEntry(let value): try container.encode(value, forKey: .spec)
        case .peerAuthentication(let value): try container.encode(value, forKey: .spec)
        case .authorizationPolicy(let value): try container.encode(value, forKey: .spec)
        case .requestAuthentication(let value): try container.encode(value, forKey: .spec)
        case .service(let value): try container.encode(value, forKey: .spec)
        case .secret(let value):
            let shown = encoder.userInfo[.redactSecrets] as? Bool == true ? value.redacted() : value
            try container.encodeIfPresent(shown.type, forKey: .type)
            if !shown.data.isEmpty { try container.encode(shown.data, forKey: .data) }
            if !shown.stringData.isEmpty { try container.encode(shown.stringData, forKey: .stringData) }
        }
    }
}
