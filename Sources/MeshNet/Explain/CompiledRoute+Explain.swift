import MeshAPI
import MeshModel

extension CompiledRoute {
    /// The first condition of this route that `facts` fails, in words; nil when the route matches.
    /// Checks the same compiled matchers as `matches(_:)`, one at a time.
    func firstFailedCondition(_ facts: RequestFacts) -> String? {
        let match = route.match
        if isBroken { return "a regex of the route does not compile, so it never matches" }
        if !path.matches(facts.path) {
            return "\(RouteSummary.condition(path: match.path)) (the path is \(facts.path))"
        }
        for (index, header) in headers.enumerated() where !header.matches(facts) {
            return RouteSummary.condition(header: match.headers[index])
        }
        for (index, parameter) in queryParameters.enumerated() where !parameter.matches(facts) {
            return RouteSummary.condition(query: match.queryParameters[index])
        }
        return nil
    }
}
