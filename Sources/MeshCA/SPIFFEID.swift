import MeshCore

/// A SPIFFE ID in Istio's shape: `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`.
public struct SPIFFEID: Sendable, Hashable, CustomStringConvertible {
    public var trustDomain: String
    public var namespace: String
    public var serviceAccount: String

    /// The namespace node identities live in.
    public static let systemNamespace = "meshbox-system"

    public init(trustDomain: String, namespace: String, serviceAccount: String) {
        self.trustDomain = trustDomain
        self.namespace = namespace
        self.serviceAccount = serviceAccount
    }

    /// Parses `spiffe://td/ns/x/sa/y`. Throws `.invalidArgument` naming what is wrong.
    public init(parsing text: String) throws {
        let prefix = "spiffe://"
        guard text.hasPrefix(prefix) else {
            throw MeshError(.invalidArgument, "not a SPIFFE ID (must start with spiffe://): \(text)")
        }
        let rest = text.dropFirst(prefix.count)
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[1] == "ns", parts[3] == "sa" else {
            throw MeshError(.invalidArgument, "SPIFFE ID must be spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>: \(text)")
        }
        guard Self.isTrustDomain(parts[0]) else {
            throw MeshError(.invalidArgument, "invalid trust domain in SPIFFE ID: \(text)")
        }
        guard Self.isSegment(parts[2]), Self.isSegment(parts[4]) else {
            throw MeshError(.invalidArgument, "invalid namespace or service account in SPIFFE ID: \(text)")
        }
        self.init(trustDomain: parts[0], namespace: parts[2], serviceAccount: parts[4])
    }

    /// The identity of node `name`.
    public static func node(_ name: String, trustDomain: String) -> SPIFFEID {
        SPIFFEID(trustDomain: trustDomain, namespace: systemNamespace, serviceAccount: "node-" + name)
    }

    /// The node name when this is a node identity.
    public var nodeName: String? {
        guard namespace == Self.systemNamespace, serviceAccount.hasPrefix("node-") else { return nil }
        let name = String(serviceAccount.dropFirst("node-".count))
        return name.isEmpty ? nil : name
    }

    public var description: String { "spiffe://\(trustDomain)/ns/\(namespace)/sa/\(serviceAccount)" }

    /// SPIFFE trust domains: lowercase letters, digits, `.`, `-`, `_`.
    public static func isTrustDomain(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 255
            && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0) }
    }

    /// Path segments: letters, digits, `.`, `-`, `_`; not `.` or `..`.
    public static func isSegment(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".." && text.count <= 253
            && text.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || ".-_".unicodeScalars.contains($0)
            }
    }
}
