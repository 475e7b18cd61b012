import MeshModel

/// A verified token's facts, read by AuthorizationPolicy (`requestPrincipals`, `request.auth.*`).
struct JWTIdentity: Sendable {
    /// `iss/sub`, Istio's request principal.
    let principal: String
    let audiences: [String]
    /// `azp`.
    let presenter: String?
    let claims: JSONValue

    /// The claim `names` lead to (`["a", "b"]` is `claims.a.b`), as the strings a condition matches:
    /// a string, each string of a list, or a boolean's or number's text.
    func claimValues(_ names: [String]) -> [String] {
        var value: JSONValue? = claims
        for name in names { value = value?[name] }
        switch value {
        case .string(let text)?: return [text]
        case .array(let values)?: return values.compactMap(\.stringValue)
        case .bool(let flag)?: return [flag ? "true" : "false"]
        case .int(let number)?: return [String(number)]
        default: return []
        }
    }
}
