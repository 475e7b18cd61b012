import MeshTesting

/// A veth pair between two of a test's namespaces, deleted with them.
extension NetworkNamespace {
    /// Links this namespace (a host running the proxy) to `client` with a veth pair,
    /// `10.77.0.1/24` and `fd00:77::1/64` here, `.2` and `::2` there, and routes `client`'s
    /// traffic for `ranges` through this namespace, as another machine on the LAN (or a
    /// container behind a bridge) would send it.
    func link(client: NetworkNamespace, routing ranges: [String]) async throws {
        try await run("ip", "link", "add", "vhost", "type", "veth", "peer", "name", "vclient", "netns", client.name)
        try await run("ip", "addr", "add", "10.77.0.1/24", "dev", "vhost")
        try await run("ip", "addr", "add", "fd00:77::1/64", "dev", "vhost", "nodad")
        try await run("ip", "link", "set", "vhost", "up")
        try await client.run("ip", "addr", "add", "10.77.0.2/24", "dev", "vclient")
        try await client.run("ip", "addr", "add", "fd00:77::2/64", "dev", "vclient", "nodad")
        try await client.run("ip", "link", "set", "vclient", "up")
        for range in ranges {
            let via = range.contains(":") ? "fd00:77::1" : "10.77.0.1"
            try await client.run("ip", range.contains(":") ? "-6" : "-4", "route", "add", range, "via", via)
        }
    }
}
