import MeshModel

/// A route's condition on one query parameter, prepared for matching. The first occurrence of the
/// parameter is the one compared, and values are not percent-decoded (see `QueryString`).
struct CompiledQueryParameterMatcher: Sendable {
    let name: String
    /// nil: the parameter only has to be present.
    let matcher: CompiledStringMatcher?

    init(_ parameter: Snapshot.QueryParameterMatcher, context: String, problems: inout [String]) {
        name = parameter.name
        matcher = parameter.match.map {
            CompiledStringMatcher($0, context: "\(context) query parameter '\(parameter.name)'", problems: &problems)
        }
    }

    var isBroken: Bool { matcher?.isBroken ?? false }

    func matches(_ facts: RequestFacts) -> Bool {
        guard let value = QueryString.firstValue(of: name, in: facts.query) else { return false }
        return matcher?.matches(value) ?? true
    }
}
