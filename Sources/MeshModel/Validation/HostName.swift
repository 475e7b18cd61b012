/// Host name matching as Istio does it: `*` matches every host, `*.example.com` every host under it.
public enum HostName {
    /// The suffix meshbox gives its Services: `name.namespace.svc.cluster.local`.
    public static let clusterDomain = "svc.cluster.local"

    /// Whether `host` (which may itself be a wildcard) is covered by `pattern`.
    public static func matches(_ pattern: String, _ host: String) -> Bool {
        let pattern = pattern.lowercased()
        let host = host.lowercased()
        if pattern == "*" || pattern == host { return true }
        guard pattern.hasPrefix("*.") else { return false }
        let suffix = pattern.dropFirst(1)  // ".example.com"
        if host.hasPrefix("*.") { return host.dropFirst(1).hasSuffix(suffix) }
        return host.hasSuffix(suffix) && host.count > suffix.count
    }

    /// Whether some host is matched by both.
    public static func overlaps(_ first: String, _ second: String) -> Bool {
        matches(first, second) || matches(second, first)
    }

    /// The meshbox Service a short or fully qualified host names, resolved from `namespace`:
    /// `reviews`, `reviews.ns`, `reviews.ns.svc` and `reviews.ns.svc.cluster.local`.
    public static func serviceName(of host: String, in namespace: String) -> (name: String, namespace: String)? {
        let labels = host.lowercased().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let name = labels.first, !name.isEmpty, !name.contains("*") else { return nil }
        switch labels.count {
        case 1:
            return (name, namespace)
        case 2:
            return (name, labels[1])
        case 3 where labels[2] == "svc":
            return (name, labels[1])
        case 5 where labels[2...].joined(separator: ".") == clusterDomain:
            return (name, labels[1])
        default:
            return nil
        }
    }

    /// `name.namespace.svc.cluster.local`.
    public static func fullyQualified(service name: String, namespace: String) -> String {
        "\(name).\(namespace).\(clusterDomain)"
    }
}
