/// The error every meshbox module throws across a module boundary.
///
/// `code` is an extensible set (new codes are added as static members, never as enum cases),
/// `message` is for a person, `issues` carries field-level detail (validation), `cause` the
/// underlying error if any.
public struct MeshError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let invalidArgument = Code("invalid_argument")
        public static let validation = Code("validation_failed")
        public static let notFound = Code("not_found")
        public static let conflict = Code("conflict")
        public static let unauthenticated = Code("unauthenticated")
        public static let permissionDenied = Code("permission_denied")
        public static let unavailable = Code("unavailable")
        public static let configuration = Code("configuration")
        public static let io = Code("io")
        public static let `internal` = Code("internal")
    }

    public var code: Code
    public var message: String
    /// Field-level details, for example validation failures with their paths.
    public var details: [String]
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, details: [String] = [], cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.cause = cause
    }

    public var description: String {
        var text = message
        for detail in details { text += "\n  " + detail }
        if let cause { text += " (\(cause))" }
        return text
    }
}
