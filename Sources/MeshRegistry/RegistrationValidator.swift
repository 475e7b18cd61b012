import MeshAPI
import MeshCore
import MeshModel
import NIOCore

/// A health check with every default applied and every duration parsed.
struct ResolvedHealthCheck: Sendable, Hashable {
    var kind: HealthCheckSpec.Kind
    /// HTTP only.
    var path: String
    var port: Int
    var expectedStatus: Int?
    var interval: Duration
    var timeout: Duration
    var healthyThreshold: Int
    var unhealthyThreshold: Int
    /// TTL only.
    var ttl: Duration?
    var deregisterAfter: Duration?
}

/// A registration that passed validation: `registration` has every default filled in (it is
/// what the database keeps and what `Instance` shows), `check` is ready to run.
struct ValidatedRegistration: Sendable, Hashable {
    var registration: InstanceRegistration
    var check: ResolvedHealthCheck?

    var id: String { registration.id ?? "" }
}

/// Validation of `InstanceRegistration` with field paths. The verdict is a value; the registry
/// turns `.invalid` into `MeshError(.validation)`.
enum RegistrationValidator {
    enum Verdict: Sendable, Hashable {
        case valid(ValidatedRegistration)
        case invalid([String])
    }

    static let defaultInterval = "10s"
    static let defaultTimeout = "2s"
    static let maxIDLength = 253

    static func validate(
        _ input: InstanceRegistration, defaultNode: String, policy: Registry.HealthCheckPolicy = .init()
    ) -> Verdict {
        var issues: [String] = []
        var registration = input

        if let problem = dnsLabelProblem(input.service) { issues.append("service: \(problem)") }
        let namespace = input.namespace ?? "default"
        registration.namespace = namespace
        if let problem = dnsLabelProblem(namespace) { issues.append("namespace: \(problem)") }

        let isIPv6 = input.address.contains(":")
        if (try? SocketAddress(ipAddress: input.address, port: 0)) == nil {
            issues.append("address: not an IP address")
        }

        if input.ports.isEmpty { issues.append("ports: at least one port is required") }
        for (index, port) in input.ports.enumerated() {
            if !(1...65535).contains(port.number) { issues.append("ports[\(index)].number: must be 1-65535") }
            if let name = port.name, let problem = dnsLabelProblem(name) {
                issues.append("ports[\(index)].name: \(problem)")
            }
        }

        let weight = input.weight ?? 1
        registration.weight = weight
        if !(1...1000).contains(weight) { issues.append("weight: must be 1-1000") }

        let node = input.node ?? defaultNode
        registration.node = node
        if node.isEmpty { issues.append("node: must not be empty") }

        let serviceAccount = input.serviceAccount ?? Instance.defaultServiceAccount
        registration.serviceAccount = serviceAccount
        if let problem = dnsLabelProblem(serviceAccount) { issues.append("serviceAccount: \(problem)") }
        if let runAs = input.runAs, let problem = runAsProblem(runAs) { issues.append("runAs: \(problem)") }

        var labels = input.labels ?? [:]
        for key in labels.keys.sorted() where key.isEmpty || key.count > 253 {
            issues.append("labels: invalid key \"\(key)\"")
        }
        if labels.isEmpty { labels = [:] }
        registration.labels = labels

        let firstPort = input.ports.first?.number ?? 0
        let id = input.id ?? defaultID(
            service: input.service, namespace: namespace, address: input.address, isIPv6: isIPv6, port: firstPort)
        registration.id = id
        if let problem = idProblem(id) { issues.append("id: \(problem)") }

        var resolved: ResolvedHealthCheck?
        if let check = input.check {
            let (spec, result, checkIssues) = validateCheck(check, firstPort: firstPort, policy: policy)
            registration.check = spec
            resolved = result
            issues += checkIssues
            if check.kind != .ttl, let denied = policy.denyCIDRs.first(where: { $0.contains(input.address) }) {
                issues.append(
                    "check: may not target \(input.address), which is in \(denied) (registry.healthCheck.denyCIDRs)")
            }
        }

        guard issues.isEmpty else { return .invalid(issues) }
        return .valid(ValidatedRegistration(registration: registration, check: resolved))
    }

    /// `<service>.<namespace>-<address>:<first port>`, IPv6 in brackets. It avoids `/` because
    /// ids appear in URL paths.
    static func defaultID(service: String, namespace: String, address: String, isIPv6: Bool, port: Int) -> String {
        let host = isIPv6 ? "[\(address)]" : address
        return "\(service).\(namespace)-\(host):\(port)"
    }

    private static func validateCheck(
        _ input: HealthCheckSpec, firstPort: Int, policy: Registry.HealthCheckPolicy
    ) -> (HealthCheckSpec, ResolvedHealthCheck?, [String]) {
        var issues: [String] = []
        var spec = input

        func duration(_ text: String?, _ field: String, atLeast minimum: Duration? = nil) -> Duration? {
            guard let text else { return nil }
            let value: Duration
            switch DurationText.read(text) {
            case .success(let read):
                value = read
            case .failure(.tooLong):
                issues.append("check.\(field): invalid duration \"\(text)\", \(DurationText.Problem.tooLong)")
                return nil
            case .failure:
                issues.append("check.\(field): invalid duration \"\(text)\"")
                return nil
            }
            guard value > .zero else {
                issues.append("check.\(field): must be greater than 0")
                return nil
            }
            if let minimum, value < minimum {
                issues.append("check.\(field): must be at least \(DurationText.format(minimum))")
                return nil
            }
            return value
        }
        func reject(_ value: (some Any)?, _ field: String) {
            if value != nil { issues.append("check.\(field): not supported for a \(input.kind.rawValue) check") }
        }

        let deregisterAfter = duration(input.deregisterAfter, "deregisterAfter")
        var resolved = ResolvedHealthCheck(
            kind: input.kind, path: "/", port: firstPort, expectedStatus: nil, interval: .seconds(10),
            timeout: .seconds(2), healthyThreshold: 1, unhealthyThreshold: 1, ttl: nil, deregisterAfter: deregisterAfter)

        switch input.kind {
        case .ttl:
            reject(input.path, "path")
            reject(input.port, "port")
            reject(input.expectedStatus, "expectedStatus")
            reject(input.interval, "interval")
            reject(input.timeout, "timeout")
            reject(input.healthyThreshold, "healthyThreshold")
            reject(input.unhealthyThreshold, "unhealthyThreshold")
            if input.ttl == nil { issues.append("check.ttl: required for a ttl check") }
            resolved.ttl = duration(input.ttl, "ttl", atLeast: policy.minimumTTL)
        case .http, .tcp:
            reject(input.ttl, "ttl")
            if input.kind == .http {
                let path = input.path ?? "/"
                spec.path = path
                resolved.path = path
                if !path.hasPrefix("/") {
                    issues.append("check.path: must start with '/'")
                } else if path.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
                    issues.append("check.path: must not contain spaces or control characters")
                }
                if let status = input.expectedStatus {
                    resolved.expectedStatus = status
                    if !(100...599).contains(status) { issues.append("check.expectedStatus: must be 100-599") }
                }
            } else {
                reject(input.path, "path")
                reject(input.expectedStatus, "expectedStatus")
            }
            let port = input.port ?? firstPort
            spec.port = port
            resolved.port = port
            if input.port != nil, !(1...65535).contains(port) { issues.append("check.port: must be 1-65535") }

            spec.interval = input.interval ?? defaultInterval
            spec.timeout = input.timeout ?? defaultTimeout
            let interval = duration(spec.interval, "interval", atLeast: policy.minimumInterval)
            let timeout = duration(spec.timeout, "timeout", atLeast: policy.minimumTimeout)
            if let interval { resolved.interval = interval }
            if let timeout { resolved.timeout = timeout }
            if let interval, let timeout, timeout > interval {
                issues.append("check.timeout: must not exceed check.interval (\(spec.interval ?? ""))")
            }

            let healthy = input.healthyThreshold ?? 1
            let unhealthy = input.unhealthyThreshold ?? 1
            spec.healthyThreshold = healthy
            spec.unhealthyThreshold = unhealthy
            resolved.healthyThreshold = healthy
            resolved.unhealthyThreshold = unhealthy
            if healthy < 1 { issues.append("check.healthyThreshold: must be at least 1") }
            if unhealthy < 1 { issues.append("check.unhealthyThreshold: must be at least 1") }
        }
        return (spec, issues.isEmpty ? resolved : nil, issues)
    }

    /// DNS-1123 label: lower-case letters, digits and '-', starting and ending alphanumeric, at most 63.
    static func dnsLabelProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > 63 { return "must be at most 63 characters" }
        let bytes = Array(name.utf8)
        let isAlphanumeric: (UInt8) -> Bool = { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
        let valid =
            bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
            && isAlphanumeric(bytes.first!) && isAlphanumeric(bytes.last!)
        return valid ? nil : "must be a DNS-1123 label (lower-case letters, digits and '-')"
    }

    /// A user name as useradd takes it (`[a-z_][a-z0-9_-]*`, an optional final `$`, at most 32) or a
    /// numeric uid below 2^32-1 (which is -1, "no user"). Whether the user exists is the node's
    /// question: the registry may run on another host.
    static func runAsProblem(_ user: String) -> String? {
        if user.isEmpty { return "must not be empty" }
        let bytes = Array(user.utf8)
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        if bytes.allSatisfy(isDigit) {
            guard let uid = UInt32(user), uid != UInt32.max else { return "uid \(user) is out of range (0-4294967294)" }
            return nil
        }
        let isStart: (UInt8) -> Bool = { (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "_") }
        let body = bytes.last == UInt8(ascii: "$") ? bytes.dropLast() : bytes[...]
        let valid =
            bytes.count <= 32 && !body.isEmpty && isStart(body.first!)
            && body.allSatisfy { isStart($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
        return valid ? nil : "must be a user name (lower-case letters, digits, '_' and '-', at most 32) or a numeric uid"
    }

    /// Ids appear in URL paths: `[A-Za-z0-9._:@\[\]-]` only.
    static func idProblem(_ id: String) -> String? {
        if id.isEmpty { return "must not be empty" }
        if id.utf8.count > maxIDLength { return "must be at most \(maxIDLength) characters" }
        let allowed = Set("._:@[]-".utf8)
        let valid = id.utf8.allSatisfy {
            (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || allowed.contains($0)
        }
        return valid ? nil : "may contain only letters, digits and . _ : @ [ ] -"
    }
}
