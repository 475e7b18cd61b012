import MeshModel

/// Finds the virtual host for an authority in Envoy's order: exact name, then the longest
/// `*suffix`, then the longest `prefix*`, then `*`.
///
/// Built once per route table. Lookups hash slices of the request's (already lower-cased)
/// authority, so they do not allocate. The authority is compared whole, port included: `a.com:8080`
/// matches `a.com:8080`, `*.com:8080` or `a.*`, but not `a.com` (Envoy without
/// `ignore_port_in_host_matching`). A wildcard stands for at least one character.
struct DomainIndex: Sendable {
    /// A set of wildcard domains whose fixed part has the same length.
    struct Wildcards: Sendable {
        let length: Int
        let hosts: [Substring: Int]
    }

    let exact: [Substring: Int]
    /// Longest first.
    let suffixes: [Wildcards]
    /// Longest first.
    let prefixes: [Wildcards]
    let catchAll: Int?

    /// Indexes the domains of `virtualHosts`; a domain listed twice keeps its first virtual host.
    init(_ virtualHosts: [Snapshot.VirtualHost], problems: inout [String]) {
        var exact: [Substring: Int] = [:]
        var suffixes: [Int: [Substring: Int]] = [:]
        var prefixes: [Int: [Substring: Int]] = [:]
        var catchAll: Int?
        var seen: [String: String] = [:]
        for (index, virtualHost) in virtualHosts.enumerated() {
            for domain in virtualHost.domains.map({ $0.lowercased() }) {
                if let owner = seen[domain] {
                    problems.append(
                        "virtual host '\(virtualHost.name)': domain '\(domain)' is already served by '\(owner)', so it is ignored here"
                    )
                    continue
                }
                seen[domain] = virtualHost.name
                if domain == "*" {
                    catchAll = index
                } else if domain.hasPrefix("*") {
                    let suffix = domain.dropFirst()
                    suffixes[suffix.utf8.count, default: [:]][suffix] = index
                } else if domain.hasSuffix("*") {
                    let prefix = domain.dropLast()
                    prefixes[prefix.utf8.count, default: [:]][prefix] = index
                } else {
                    exact[domain[...]] = index
                }
            }
        }
        self.exact = exact
        self.suffixes = suffixes.map { Wildcards(length: $0.key, hosts: $0.value) }.sorted { $0.length > $1.length }
        self.prefixes = prefixes.map { Wildcards(length: $0.key, hosts: $0.value) }.sorted { $0.length > $1.length }
        self.catchAll = catchAll
    }

    /// The index of the virtual host serving `authority` (lower case), if any.
    func find(_ authority: String) -> Int? {
        if let index = exact[authority[...]] { return index }
        let utf8 = authority.utf8
        let count = utf8.count
        for group in suffixes where group.length < count {
            let start = utf8.index(utf8.endIndex, offsetBy: -group.length)
            if let index = group.hosts[authority[start...]] { return index }
        }
        for group in prefixes where group.length < count {
            let end = utf8.index(utf8.startIndex, offsetBy: group.length)
            if let index = group.hosts[authority[..<end]] { return index }
        }
        return catchAll
    }
}
