/// Something a snapshot holds that Envoy cannot take as it is, said per resource and field: what
/// the translation dropped or changed, so an operator can tell why Envoy serves less than meshbox's
/// own data plane would.
public struct XDSNote: Sendable, Hashable, CustomStringConvertible {
    /// The xDS type of the resource (`XDSTypeURL`).
    public var typeURL: String
    /// The resource's name (listener, route configuration, cluster, cluster load assignment, secret).
    public var resourceName: String
    /// The field of our snapshot value, as a path: `filterChains[1].authorization`.
    public var field: String
    public var message: String

    public init(typeURL: String, resourceName: String, field: String, message: String) {
        self.typeURL = typeURL
        self.resourceName = resourceName
        self.field = field
        self.message = message
    }

    public var description: String {
        "\(typeURL.split(separator: ".").last ?? "") \(resourceName): \(field): \(message)"
    }
}

/// One translated resource and what its translation could not carry over.
public struct XDSTranslation<Resource: Sendable>: Sendable {
    public var resource: Resource
    public var notes: [XDSNote]

    public init(resource: Resource, notes: [XDSNote] = []) {
        self.resource = resource
        self.notes = notes
    }
}

/// Collects the notes of one resource while a translator walks it.
struct XDSNotes {
    let typeURL: String
    let resourceName: String
    private(set) var all: [XDSNote] = []

    init(typeURL: String, resourceName: String) {
        self.typeURL = typeURL
        self.resourceName = resourceName
    }

    mutating func add(_ field: String, _ message: String) {
        all.append(XDSNote(typeURL: typeURL, resourceName: resourceName, field: field, message: message))
    }
}
