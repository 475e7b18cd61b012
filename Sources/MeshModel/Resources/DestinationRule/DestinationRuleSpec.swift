/// `spec` of a `DestinationRule`: policies for traffic to one host, and its named subsets.
public struct DestinationRuleSpec: Sendable, Hashable, Codable {
    /// The service the rule applies to, in the same forms as a route destination's host.
    public var host: String
    public var trafficPolicy: TrafficPolicy?
    public var subsets: [Subset]
    public var exportTo: [String]

    public init(host: String, trafficPolicy: TrafficPolicy? = nil, subsets: [Subset] = [], exportTo: [String] = []) {
        self.host = host
        self.trafficPolicy = trafficPolicy
        self.subsets = subsets
        self.exportTo = exportTo
    }

    /// The subset with this name, if defined.
    public func subset(named name: String) -> Subset? {
        subsets.first { $0.name == name }
    }
}

extension DestinationRuleSpec {
    /// A named group of a service's instances, chosen by labels, with its own policy overrides.
    public struct Subset: Sendable, Hashable, Codable {
        public var name: String
        public var labels: [String: String]
        public var trafficPolicy: TrafficPolicy?

        public init(name: String, labels: [String: String] = [:], trafficPolicy: TrafficPolicy? = nil) {
            self.name = name
            self.labels = labels
            self.trafficPolicy = trafficPolicy
        }
    }
}

extension DestinationRuleSpec: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["workloadSelector"] }
}
