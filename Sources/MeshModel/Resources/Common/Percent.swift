/// A percentage in 0...100 with fractions (Istio's `Percent`: `{value: 12.5}`).
public struct Percent: Sendable, Hashable, Codable {
    public var value: Double?

    public init(value: Double? = nil) {
        self.value = value
    }
}
