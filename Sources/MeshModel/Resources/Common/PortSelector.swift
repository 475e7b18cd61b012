/// Selects a port of a service by number (Istio's `PortSelector`).
public struct PortSelector: Sendable, Hashable, Codable {
    public var number: UInt32

    public init(number: UInt32) {
        self.number = number
    }
}
