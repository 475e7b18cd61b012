public import Metrics

/// The DNS server's metrics: `meshbox_proxy_dns_queries_total{outcome}` (counter), one outcome
/// per query (`DNSOutcome`: answered, nxdomain, forwarded, servfail, malformed, refused), and
/// `meshbox_proxy_dns_names` (gauge): names in the current table.
public struct DNSMetrics: Sendable {
    private let queries: [DNSOutcome: Counter]
    private let names: Gauge

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        var queries: [DNSOutcome: Counter] = [:]
        for outcome in DNSOutcome.allCases {
            queries[outcome] = Counter(
                label: "meshbox_proxy_dns_queries_total", dimensions: [("outcome", outcome.rawValue)], factory: factory)
        }
        self.queries = queries
        self.names = Gauge(label: "meshbox_proxy_dns_names", factory: factory)
    }

    func record(_ outcome: DNSOutcome) {
        queries[outcome]?.increment()
    }

    func recordNames(_ count: Int) {
        names.record(Double(count))
    }
}
