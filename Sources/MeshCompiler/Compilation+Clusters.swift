import MeshAPI
import MeshCore
import MeshModel

extension Compilation {
    /// Builds every requested cluster and its endpoints, sorted by name.
    mutating func compileClusters() -> ([Snapshot.Cluster], [Snapshot.ClusterLoadAssignment]) {
        var clusters: [Snapshot.Cluster] = []
        var assignments: [Snapshot.ClusterLoadAssignment] = []
        for request in clusterRequests.values.sorted(by: { $0.name < $1.name }) {
            let rule = destinationRules[request.fqdn]
            var subset: DestinationRuleSpec.Subset?
            var subsetKnown = true
            if let name = request.subset {
                subset = rule?.spec.subset(named: name)
                if subset == nil {
                    subsetKnown = false
                    let owner = rule.map { "\($0.key)" } ?? "no DestinationRule for \(request.fqdn)"
                    warn(request.origin, request.path + ".subset", "subset \(name) is not defined (\(owner))")
                }
            }
            let policy = EffectivePolicy(rule: rule?.spec, subset: subset, port: request.port)
            let servicePort = request.target?.ports.first { $0.number == request.port }
            clusters.append(cluster(for: request, policy: policy, servicePort: servicePort, rule: rule))
            var endpoints: [Snapshot.LbEndpoint] = []
            if let target = request.target, subsetKnown {
                endpoints = self.endpoints(of: target, port: servicePort ?? .init(number: request.port), labels: subset?.labels ?? [:])
                if target.resolution == ServiceEntrySpec.Resolution.none {
                    warn(request.origin, request.path + ".host", "\(request.fqdn) is a ServiceEntry with resolution NONE, which has no endpoints to route to")
                }
            }
            assignments.append(Snapshot.ClusterLoadAssignment(clusterName: request.name, endpoints: endpoints))
        }
        return (clusters, assignments)
    }

    private func endpoints(of target: ServiceTarget, port: ServiceTarget.Port, labels: [String: String]) -> [Snapshot.LbEndpoint] {
        instances(of: target).compactMap { instance in
            guard labels.allSatisfy({ instance.labels[$0.key] == $0.value }) else { return nil }
            guard let number = Self.instancePort(of: instance, for: port) else { return nil }
            return Snapshot.LbEndpoint(
                address: instance.address, port: number, weight: UInt32(max(1, instance.weight)),
                health: instance.health == .passing ? .healthy : .unhealthy, labels: instance.labels,
                instanceID: instance.id)
        }
    }

    /// The instance's port for a service port: by name, else by target port number, else the
    /// instance's only unnamed port.
    static func instancePort(of instance: Instance, for port: ServiceTarget.Port) -> UInt32? {
        if let name = port.name, let found = instance.ports.first(where: { $0.name == name }) {
            return UInt32(found.number)
        }
        let wanted = Int(port.targetPort ?? port.number)
        if let found = instance.ports.first(where: { $0.number == wanted }) { return UInt32(found.number) }
        if instance.ports.count == 1, instance.ports[0].name == nil { return UInt32(instance.ports[0].number) }
        return nil
    }

    private mutating func cluster(
        for request: ClusterRequest,
        policy: EffectivePolicy,
        servicePort: ServiceTarget.Port?,
        rule: DestinationRule?
    ) -> Snapshot.Cluster {
        let ruleKey = rule?.key ?? request.origin
        var cluster = Snapshot.Cluster(
            name: request.name, serviceHost: request.fqdn, port: request.port, subset: request.subset,
            lbPolicy: .leastRequest)
        if let balancer = policy.loadBalancer {
            if let hash = balancer.consistentHash {
                if let maglev = hash.maglev {
                    cluster.lbPolicy = .maglev(tableSize: maglev.tableSize)
                } else {
                    cluster.lbPolicy = .ringHash(minimumRingSize: hash.ringHash?.minimumRingSize)
                }
                cluster.consistentHash = hashPolicy(hash, owner: ruleKey)
            } else {
                switch balancer.simple {
                case .random: cluster.lbPolicy = .random
                case .roundRobin: cluster.lbPolicy = .roundRobin
                case .leastConn, .leastRequest, .unspecified, .passthrough, nil: cluster.lbPolicy = .leastRequest
                }
            }
        }
        let tcp = policy.connectionPool?.tcp
        let http = policy.connectionPool?.http
        if let text = tcp?.connectTimeout {
            if let timeout = parseDuration(text, owner: ruleKey, path: "connectionPool.tcp.connectTimeout"), timeout > .zero {
                cluster.connectTimeout = timeout
            }
        }
        if let keepalive = tcp?.tcpKeepalive {
            cluster.tcpKeepalive = tcpKeepalive(keepalive, owner: ruleKey)
        }
        if let text = tcp?.maxConnectionDuration,
            let duration = parseDuration(text, owner: ruleKey, path: "connectionPool.tcp.maxConnectionDuration"),
            duration > .zero
        {
            cluster.maxConnectionDuration = duration
        }
        let breakers = Snapshot.CircuitBreakers(
            maxConnections: tcp?.maxConnections.map(Self.unsigned),
            maxPendingRequests: http?.http1MaxPendingRequests.map(Self.unsigned),
            maxRequests: http?.http2MaxRequests.map(Self.unsigned),
            maxRetries: http?.maxRetries.map(Self.unsigned))
        if breakers != Snapshot.CircuitBreakers() { cluster.circuitBreakers = breakers }
        cluster.maxRequestsPerConnection = http?.maxRequestsPerConnection.map(Self.unsigned)
        if let text = http?.idleTimeout ?? tcp?.idleTimeout {
            cluster.idleTimeout = parseDuration(text, owner: ruleKey, path: "connectionPool.http.idleTimeout")
        }
        Self.applyUpstreamProtocol(http, port: servicePort, to: &cluster)
        if let outlier = policy.outlierDetection {
            cluster.outlierDetection = Snapshot.OutlierDetection(
                consecutive5xx: outlier.consecutive5xxErrors,
                consecutiveGatewayErrors: outlier.consecutiveGatewayErrors,
                interval: outlier.interval.flatMap { parseDuration($0, owner: ruleKey, path: "outlierDetection.interval") },
                baseEjectionTime: outlier.baseEjectionTime.flatMap {
                    parseDuration($0, owner: ruleKey, path: "outlierDetection.baseEjectionTime")
                },
                maxEjectionPercent: outlier.maxEjectionPercent.map(Self.unsigned),
                minHealthPercent: outlier.minHealthPercent.map(Self.unsigned))
        }
        if let tls = policy.tls, let rule {
            let path = Self.upstreamTLSPath(rule: rule.spec, subset: request.subset, port: request.port)
            cluster.upstreamTLS = upstreamTLS(tls, cluster: cluster, owner: rule.key, path: path)
        }
        return cluster
    }

    mutating func addSecret(
        _ name: String,
        _ kind: Snapshot.SecretReference.Kind,
        _ source: Snapshot.SecretReference.Source
    ) -> String {
        secrets[name] = Snapshot.SecretReference(name: name, kind: kind, source: source)
        return name
    }

    mutating func hashPolicy(_ hash: DestinationRuleSpec.ConsistentHashLB, owner: ResourceKey) -> Snapshot.HashPolicy? {
        if let header = hash.httpHeaderName { return .header(name: header.lowercased()) }
        if let cookie = hash.httpCookie {
            let ttl = cookie.ttl.flatMap { parseDuration($0, owner: owner, path: "loadBalancer.consistentHash.httpCookie.ttl") }
            return .cookie(name: cookie.name, path: cookie.path, ttl: ttl)
        }
        if hash.useSourceIp == true { return .sourceIP }
        if let parameter = hash.httpQueryParameterName { return .queryParameter(name: parameter) }
        return nil
    }

    /// The hash policy the DestinationRule of a cluster asks routes to use.
    func hashPolicy(forCluster name: String) -> DestinationRuleSpec.ConsistentHashLB? {
        guard let request = clusterRequests[name], let rule = destinationRules[request.fqdn] else { return nil }
        let subset = request.subset.flatMap { rule.spec.subset(named: $0) }
        return EffectivePolicy(rule: rule.spec, subset: subset, port: request.port).loadBalancer?.consistentHash
    }

    /// The kernel counts keepalive times in whole seconds: shorter ones become 1 s, others are
    /// rounded up.
    private mutating func tcpKeepalive(
        _ keepalive: DestinationRuleSpec.ConnectionPoolSettings.TCPSettings.TCPKeepalive, owner: ResourceKey
    ) -> Snapshot.Cluster.TCPKeepalive {
        func seconds(_ text: String?, _ field: String) -> Duration? {
            guard let text, let duration = parseDuration(text, owner: owner, path: "connectionPool.tcp.tcpKeepalive." + field)
            else { return nil }
            let (whole, fraction) = duration.components
            return .seconds(max(1, whole + (fraction > 0 ? 1 : 0)))
        }
        return Snapshot.Cluster.TCPKeepalive(
            probes: keepalive.probes.flatMap { $0 > 0 ? $0 : nil },
            time: seconds(keepalive.time, "time"),
            interval: seconds(keepalive.interval, "interval"))
    }

    mutating func parseDuration(_ text: String, owner: ResourceKey, path: String) -> Duration? {
        guard let duration = DurationText.parse(text) else {
            warn(owner, path, "\"\(text)\" is not a duration; ignored")
            return nil
        }
        return duration
    }

    static func unsigned(_ value: Int32) -> UInt32 { UInt32(max(0, value)) }
}
