/// Selects workloads by their labels (Istio's `WorkloadSelector`: `{matchLabels: {...}}`).
public struct WorkloadSelector: Sendable, Hashable, Codable {
    public var matchLabels: [String: String]

    public init(matchLabels: [String: String] = [:]) {
        self.matchLabels = matchLabels
    }

    /// Whether a workload with these labels is selected; an empty selector selects every workload.
    public func matches(_ labels: [String: String]) -> Bool {
        matchLabels.allSatisfy { labels[$0.key] == $0.value }
    }
}
