extension Validator {
    /// Envoy's upper bound for a ring hash's minimum ring size.
    static let maximumRingSize: UInt64 = 8_388_608
    /// Envoy's limit (and the data plane's `MaglevTable.maximumSize`).
    static let maximumMaglevTableSize: UInt64 = 5_000_011

    static func validateDestinationRule(_ spec: DestinationRuleSpec, into issues: inout IssueCollector) {
        if spec.host.contains("/") {
            issues.error("spec.host", "invalid host \(spec.host): a destination host has no namespace/ prefix")
        } else if let problem = Syntax.hostProblem(spec.host) {
            issues.error("spec.host", problem)
        }
        if let policy = spec.trafficPolicy {
            validateTrafficPolicy(policy, at: "spec.trafficPolicy", into: &issues)
        }
        var names: [String: Int] = [:]
        for (index, subset) in spec.subsets.enumerated() {
            let path = "spec.subsets[\(index)]"
            if !Syntax.isDNSLabel(subset.name) {
                issues.error(
                    path + ".name",
                    "\"\(subset.name)\" is not a valid subset name: \(IssueCollector.labelRule)"
                )
            }
            if let earlier = names.updateValue(index, forKey: subset.name) {
                issues.error(path + ".name", "subset name \"\(subset.name)\" is already used by subsets[\(earlier)]")
            }
            issues.checkLabels(subset.labels, at: path + ".labels")
            if subset.labels.isEmpty {
                issues.warning(path + ".labels", "a subset without labels selects every instance")
            }
            if let policy = subset.trafficPolicy {
                validateTrafficPolicy(policy, at: path + ".trafficPolicy", into: &issues)
            }
        }
        issues.checkExportTo(spec.exportTo, at: "spec.exportTo")
    }

    private static func validateTrafficPolicy(
        _ policy: DestinationRuleSpec.TrafficPolicy,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if policy == DestinationRuleSpec.TrafficPolicy() {
            issues.error(path, "a traffic policy must set at least one field")
        }
        validatePolicyFields(
            policy.loadBalancer,
            policy.connectionPool,
            policy.outlierDetection,
            policy.tls,
            at: path,
            into: &issues
        )
        var ports: [UInt32: Int] = [:]
        for (index, setting) in policy.portLevelSettings.enumerated() {
            let settingPath = "\(path).portLevelSettings[\(index)]"
            guard let port = setting.port else {
                issues.error(settingPath + ".port", "missing required field")
                continue
            }
            issues.checkPort(port.number, at: settingPath + ".port.number")
            if let earlier = ports.updateValue(index, forKey: port.number) {
                issues.error(
                    settingPath + ".port.number",
                    "port \(port.number) is already set by portLevelSettings[\(earlier)]"
                )
            }
            validatePolicyFields(
                setting.loadBalancer,
                setting.connectionPool,
                setting.outlierDetection,
                setting.tls,
                at: settingPath,
                into: &issues
            )
        }
    }

    private static func validatePolicyFields(
        _ loadBalancer: DestinationRuleSpec.LoadBalancerSettings?,
        _ connectionPool: DestinationRuleSpec.ConnectionPoolSettings?,
        _ outlierDetection: DestinationRuleSpec.OutlierDetection?,
        _ tls: DestinationRuleSpec.ClientTLSSettings?,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if let loadBalancer { validateLoadBalancer(loadBalancer, at: path + ".loadBalancer", into: &issues) }
        if let connectionPool { validateConnectionPool(connectionPool, at: path + ".connectionPool", into: &issues) }
        if let outlierDetection {
            let outlierPath = path + ".outlierDetection"
            issues.checkDuration(outlierDetection.interval, at: outlierPath + ".interval")
            issues.checkDuration(outlierDetection.baseEjectionTime, at: outlierPath + ".baseEjectionTime")
            for (field, value) in [
                ("maxEjectionPercent", outlierDetection.maxEjectionPercent),
                ("minHealthPercent", outlierDetection.minHealthPercent),
            ] {
                if let value, !(0...100).contains(value) {
                    issues.error("\(outlierPath).\(field)", "percentage \(value) must be in the range 0..100")
                }
            }
        }
        if let tls { validateClientTLS(tls, at: path + ".tls", into: &issues) }
    }

    private static func validateLoadBalancer(
        _ settings: DestinationRuleSpec.LoadBalancerSettings,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if settings.simple != nil && settings.consistentHash != nil {
            issues.error(path, "only one of simple or consistentHash can be set")
        }
        if settings.simple == nil && settings.consistentHash == nil {
            issues.error(path, "one of simple or consistentHash is required")
        }
        guard let hash = settings.consistentHash else { return }
        let hashPath = path + ".consistentHash"
        let keys = [
            hash.httpHeaderName != nil, hash.httpCookie != nil, hash.useSourceIp != nil,
            hash.httpQueryParameterName != nil,
        ]
        if keys.filter({ $0 }).count != 1 {
            issues.error(
                hashPath,
                "exactly one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName must be set"
            )
        }
        if let header = hash.httpHeaderName, !Syntax.isHeaderName(header) {
            issues.error(hashPath + ".httpHeaderName", "\"\(header)\" is not a valid header name")
        }
        if hash.useSourceIp == false {
            issues.error(hashPath + ".useSourceIp", "useSourceIp must be true when set")
        }
        if let cookie = hash.httpCookie {
            if cookie.name.isEmpty { issues.error(hashPath + ".httpCookie.name", "cookie name must not be empty") }
            issues.checkDuration(cookie.ttl, at: hashPath + ".httpCookie.ttl", allowZero: true)
        }
        if let parameter = hash.httpQueryParameterName, parameter.isEmpty {
            issues.error(hashPath + ".httpQueryParameterName", "query parameter name must not be empty")
        }
        if hash.ringHash != nil && hash.maglev != nil {
            issues.error(hashPath, "only one of ringHash or maglev can be set")
        }
        if let size = hash.ringHash?.minimumRingSize, size == 0 || size > maximumRingSize {
            issues.error(
                hashPath + ".ringHash.minimumRingSize",
                "minimum ring size \(size) must be in the range 1..\(maximumRingSize)"
            )
        }
        if let size = hash.maglev?.tableSize {
            // Bounded before the primality test, which takes seconds on a 64-bit prime.
            if size > maximumMaglevTableSize {
                issues.error(
                    hashPath + ".maglev.tableSize",
                    "table size \(size) must be at most \(maximumMaglevTableSize)"
                )
            } else if !Syntax.isPrime(size) {
                issues.error(hashPath + ".maglev.tableSize", "table size \(size) must be a prime number")
            }
        }
    }

    private static func validateConnectionPool(
        _ pool: DestinationRuleSpec.ConnectionPoolSettings,
        at path: String,
        into issues: inout IssueCollector
    ) {
        if pool.tcp == nil && pool.http == nil { issues.error(path, "a connection pool must set tcp or http") }
        if let tcp = pool.tcp {
            let tcpPath = path + ".tcp"
            if let value = tcp.maxConnections, value < 0 {
                issues.error(tcpPath + ".maxConnections", "must not be negative")
            }
            issues.checkDuration(tcp.connectTimeout, at: tcpPath + ".connectTimeout")
            issues.checkDuration(tcp.maxConnectionDuration, at: tcpPath + ".maxConnectionDuration")
            issues.checkDuration(tcp.idleTimeout, at: tcpPath + ".idleTimeout")
            issues.checkDuration(tcp.tcpKeepalive?.time, at: tcpPath + ".tcpKeepalive.time")
            issues.checkDuration(tcp.tcpKeepalive?.interval, at: tcpPath + ".tcpKeepalive.interval")
        }
        if let http = pool.http {
            let httpPath = path + ".http"
            for (field, value) in [
                ("http1MaxPendingRequests", http.http1MaxPendingRequests),
                ("http2MaxRequests", http.http2MaxRequests),
                ("maxRequestsPerConnection", http.maxRequestsPerConnection),
                ("maxRetries", http.maxRetries),
                ("maxConcurrentStreams", http.maxConcurrentStreams),
            ] {
                if let value, value < 0 { issues.error("\(httpPath).\(field)", "must not be negative") }
            }
            issues.checkDuration(http.idleTimeout, at: httpPath + ".idleTimeout")
        }
    }

    private static func validateClientTLS(
        _ tls: DestinationRuleSpec.ClientTLSSettings,
        at path: String,
        into issues: inout IssueCollector
    ) {
        let hasFiles = tls.clientCertificate != nil || tls.privateKey != nil || tls.caCertificates != nil
        switch tls.mode {
        case nil:
            issues.error(path + ".mode", "missing required field")
        case .disable?, .istioMutual?:
            if hasFiles || tls.credentialName != nil {
                issues.error(
                    path,
                    "\(tls.mode?.rawValue ?? "") cannot have clientCertificate, privateKey, caCertificates or credentialName"
                )
            }
        case .mutual?:
            if tls.credentialName == nil {
                if tls.clientCertificate == nil {
                    issues.error(path + ".clientCertificate", "MUTUAL TLS needs credentialName or clientCertificate")
                }
                if tls.privateKey == nil {
                    issues.error(path + ".privateKey", "MUTUAL TLS needs credentialName or privateKey")
                }
            }
        case .simple?:
            if tls.clientCertificate != nil || tls.privateKey != nil {
                issues.warning(path, "SIMPLE TLS ignores clientCertificate and privateKey; use MUTUAL to present them")
            }
        }
        if tls.insecureSkipVerify == true {
            issues.warning(path + ".insecureSkipVerify", "the server's certificate is not verified")
        }
        if let sni = tls.sni, Syntax.hostProblem(sni, allowStar: false, allowWildcard: false) != nil {
            issues.error(path + ".sni", "\"\(sni)\" is not a valid SNI host name")
        }
    }
}
