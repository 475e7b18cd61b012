public import Foundation

/// The per-resource rules of Istio's own validation (istio/pkg/config/validation), and meshbox's
/// rules for its own kinds. Pure: looks at one resource; cross-resource checks are `Analyzer`'s.
public enum Validator {
    /// Every error and warning for one resource, with field paths.
    ///
    /// - Parameter now: the time certificates are judged at (Secrets: expired, expiring soon).
    public static func validate(_ resource: Resource, now: Date = Date()) -> [FieldIssue] {
        var issues = IssueCollector(resource: resource.key.description)
        validateMetadata(resource.metadata, kind: resource.kind, into: &issues)
        switch resource.spec {
        case .gateway(let spec): validateGateway(spec, into: &issues)
        case .virtualService(let spec): validateVirtualService(spec, into: &issues)
        case .destinationRule(let spec): validateDestinationRule(spec, into: &issues)
        case .serviceEntry(let spec): validateServiceEntry(spec, into: &issues)
        case .peerAuthentication(let spec): validatePeerAuthentication(spec, into: &issues)
        case .authorizationPolicy(let spec): validateAuthorizationPolicy(spec, into: &issues)
        case .requestAuthentication(let spec): validateRequestAuthentication(spec, into: &issues)
        case .service(let spec): validateService(spec, into: &issues)
        case .secret(let spec): validateSecret(spec, now: now, into: &issues)
        }
        return issues.issues
    }

    /// Whether a resource has no error (warnings allowed).
    public static func isValid(_ resource: Resource) -> Bool {
        !validate(resource).contains { $0.severity == .error }
    }

    static func validateMetadata(_ metadata: ObjectMeta, kind: ResourceKind, into issues: inout IssueCollector) {
        let name = metadata.name
        if name.isEmpty {
            issues.error("metadata.name", "missing required field")
        } else if kind == .service {
            // A Service name becomes the first label of its host names (`name.namespace.svc.cluster.local`).
            if !Syntax.isDNSLabel(name) {
                issues.error("metadata.name", "\"\(name)\" is not a valid Service name: \(IssueCollector.labelRule)")
            }
        } else if !Syntax.isDNSSubdomain(name) {
            issues.error("metadata.name", "\"\(name)\" is not a valid name: \(IssueCollector.nameRule)")
        }
        let namespace = metadata.namespace
        if !Syntax.isDNSLabel(namespace) {
            issues.error("metadata.namespace", "\"\(namespace)\" is not a valid namespace: \(IssueCollector.labelRule)")
        }
        issues.checkLabels(metadata.labels, at: "metadata.labels")
    }

    static func validateService(_ spec: ServiceSpec, into issues: inout IssueCollector) {
        if spec.ports.isEmpty { issues.error("spec.ports", "a service needs at least one port") }
        var names: [String: Int] = [:]
        var numbers: [UInt32: Int] = [:]
        for (index, port) in spec.ports.enumerated() {
            let path = "spec.ports[\(index)]"
            issues.checkPort(port.number, at: path + ".number")
            issues.checkPort(port.targetPort, at: path + ".targetPort")
            if let earlier = numbers.updateValue(index, forKey: port.number) {
                issues.error(path + ".number", "port \(port.number) is already used by ports[\(earlier)]")
            }
            if let name = port.name {
                if !Syntax.isDNSLabel(name) {
                    issues.error(path + ".name", "\"\(name)\" is not a valid port name: \(IssueCollector.labelRule)")
                }
                if let earlier = names.updateValue(index, forKey: name) {
                    issues.error(path + ".name", "port name \"\(name)\" is already used by ports[\(earlier)]")
                }
            }
            if let proto = port.protocol, !ServiceSpec.supportedProtocols.contains(proto) {
                issues.error(path + ".protocol", "protocol \(proto.rawValue) is not supported")
            }
        }
        if let vip = spec.vip {
            if !Syntax.isIP(vip) {
                issues.error("spec.vip", "\"\(vip)\" is not an IPv4 or IPv6 address")
            } else if let problem = Self.vipProblem(vip) {
                issues.error("spec.vip", "\(vip) \(problem)")
            }
        }
    }

    /// Why an address cannot be a service VIP: the kernel treats these ranges specially, so
    /// traffic to them would never reach the proxy. Any other address may be one, inside the
    /// service CIDRs or not (capture of a fixed VIP outside them is still to be built: MeshProxy's
    /// rules cover the ranges only today, and the proxy role is not wired yet).
    static func vipProblem(_ address: String) -> String? {
        for (range, what) in [
            ("0.0.0.0/8", "is in 0.0.0.0/8 (this network)"), ("127.0.0.0/8", "is a loopback address"),
            ("224.0.0.0/4", "is a multicast address"), ("255.255.255.255/32", "is the broadcast address"),
            ("::/128", "is the unspecified address"), ("::1/128", "is a loopback address"),
            ("ff00::/8", "is a multicast address"),
        ] where IPBlock(range)?.contains(address) == true {
            return what
        }
        return nil
    }
}
