extension ServiceEntrySpec {
    /// `DNS` or `DNS_ROUND_ROBIN`: the instances come from resolving names (the registry's
    /// `ServiceEntryResolver`), not from `endpoints` as written.
    public var resolvesNames: Bool {
        resolution == .dns || resolution == .dnsRoundRobin
    }

    /// The registry service that holds the instances `host` routes to: the host itself when the
    /// entry resolves its hosts (a DNS entry without endpoints: each host has its own addresses),
    /// else the entry's `metadata.name` (STATIC endpoints, or DNS endpoints shared by its hosts).
    public func registryService(forHost host: String, entryName: String) -> String {
        resolvesNames && endpoints.isEmpty ? host.lowercased() : entryName
    }
}
