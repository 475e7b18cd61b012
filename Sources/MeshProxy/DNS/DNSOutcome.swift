/// What became of one query: the `outcome` label of `meshbox_proxy_dns_queries_total`.
public enum DNSOutcome: String, Sendable, Hashable, CaseIterable {
    /// Answered from the table (records, or NODATA for a name that exists).
    case answered
    /// Under the cluster domain and not in the table.
    case nxdomain
    /// Relayed from an upstream resolver.
    case forwarded
    /// Every upstream failed or timed out, or too many forwards were in flight.
    case servfail
    /// Not a DNS query meshbox reads (FORMERR, or dropped when not even the header is there).
    case malformed
    /// An opcode other than QUERY, or a class other than IN for a mesh name.
    case refused
}
