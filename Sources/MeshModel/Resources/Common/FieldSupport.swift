/// A type whose Istio counterpart has fields meshbox knows but does not implement.
///
/// The strict decoder reports such a field as `not supported` rather than `unknown field`, so a
/// user who copies an Istio example learns that the field is real but has no effect here.
protocol UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { get }
}

/// A closed set of string values (an Istio enum); the strict decoder lists them when input has another.
protocol StringEnumeration {
    static var allowedValues: [String] { get }
}

extension StringEnumeration where Self: CaseIterable & RawRepresentable, RawValue == String {
    static var allowedValues: [String] { allCases.map(\.rawValue) }
}
