public import Foundation

/// How an instance's health is checked.
public struct HealthCheckSpec: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case http, tcp, ttl }

    public var kind: Kind
    /// HTTP: request path (default `/`).
    public var path: String?
    /// HTTP/TCP: port to check (default: the instance's first port).
    public var port: Int?
    /// HTTP: the status that means healthy (default: any 2xx).
    public var expectedStatus: Int?
    /// HTTP/TCP: time between checks, Istio duration text (default `10s`).
    public var interval: String?
    /// HTTP/TCP: time one check may take (default `2s`).
    public var timeout: String?
    /// Consecutive successes to turn healthy (default 1).
    public var healthyThreshold: Int?
    /// Consecutive failures to turn unhealthy (default 1).
    public var unhealthyThreshold: Int?
    /// TTL: how long a heartbeat keeps the instance healthy.
    public var ttl: String?
    /// Any kind: deregister the instance after it has been critical this long.
    public var deregisterAfter: String?

    public init(
        kind: Kind, path: String? = nil, port: Int? = nil, expectedStatus: Int? = nil, interval: String? = nil,
        timeout: String? = nil, healthyThreshold: Int? = nil, unhealthyThreshold: Int? = nil, ttl: String? = nil,
        deregisterAfter: String? = nil
    ) {
        self.kind = kind
        self.path = path
        self.port = port
        self.expectedStatus = expectedStatus
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.ttl = ttl
        self.deregisterAfter = deregisterAfter
    }
}

/// A named port of an instance.
public struct InstancePort: Sendable, Hashable, Codable {
    public var name: String?
    public var number: Int
    public init(name: String? = nil, number: Int) {
        self.name = name
        self.number = number
    }
}

/// What a caller sends to register an instance.
public struct InstanceRegistration: Sendable, Hashable, Codable {
    /// Stable id; default `<service>.<namespace>-<address>:<first port>` (IPv6 in brackets).
    public var id: String?
    public var service: String
    public var namespace: String?
    public var address: String
    public var ports: [InstancePort]
    public var labels: [String: String]?
    public var node: String?
    /// Relative load-balancing weight, 1...1000 (default 1).
    public var weight: Int?
    public var check: HealthCheckSpec?
    /// The service account the instance runs as, a DNS-1123 label (default `default`): its SPIFFE
    /// identity is `spiffe://<trust domain>/ns/<namespace>/sa/<serviceAccount>`.
    public var serviceAccount: String?
    /// The local user (a name, or a numeric uid) the instance's processes run as on its node: a
    /// connection the node proxy captures from a socket that user owns gets this instance's
    /// identity (docs/identity.md). Nil: no connection is attributed to the instance.
    public var runAs: String?

    public init(
        id: String? = nil, service: String, namespace: String? = nil, address: String, ports: [InstancePort],
        labels: [String: String]? = nil, node: String? = nil, weight: Int? = nil, check: HealthCheckSpec? = nil,
        serviceAccount: String? = nil, runAs: String? = nil
    ) {
        self.id = id
        self.service = service
        self.namespace = namespace
        self.address = address
        self.ports = ports
        self.labels = labels
        self.node = node
        self.weight = weight
        self.check = check
        self.serviceAccount = serviceAccount
        self.runAs = runAs
    }
}

/// Health of an instance. Only `passing` receives traffic.
public enum HealthState: String, Sendable, Hashable, Codable {
    /// Has checks but no verdict yet.
    case unknown
    case passing
    case critical
}

/// An instance as the registry knows it now.
public struct Instance: Sendable, Hashable, Codable {
    public enum Source: String, Sendable, Hashable, Codable {
        /// Registered through the API or CLI.
        case api
        /// A STATIC endpoint of a ServiceEntry in the config store.
        case serviceEntry
    }

    public var id: String
    public var service: String
    public var namespace: String
    public var address: String
    public var ports: [InstancePort]
    public var labels: [String: String]
    public var node: String
    public var weight: Int
    public var check: HealthCheckSpec?
    public var source: Source
    public var health: HealthState
    /// Last check's explanation (`HTTP 503`, `connection refused`, `TTL expired`, …).
    public var healthOutput: String
    public var registeredAt: Date
    /// When `health` last changed.
    public var healthChangedAt: Date
    /// The service account of the instance's identity (`default` unless registered otherwise).
    public var serviceAccount: String
    /// The local user the instance runs as on its node (a name or a numeric uid), if registered.
    public var runAs: String?

    public init(
        id: String, service: String, namespace: String, address: String, ports: [InstancePort], labels: [String: String],
        node: String, weight: Int, check: HealthCheckSpec?, source: Source, health: HealthState, healthOutput: String,
        registeredAt: Date, healthChangedAt: Date, serviceAccount: String = Instance.defaultServiceAccount,
        runAs: String? = nil
    ) {
        self.id = id
        self.service = service
        self.namespace = namespace
        self.address = address
        self.ports = ports
        self.labels = labels
        self.node = node
        self.weight = weight
        self.check = check
        self.source = source
        self.health = health
        self.healthOutput = healthOutput
        self.registeredAt = registeredAt
        self.healthChangedAt = healthChangedAt
        self.serviceAccount = serviceAccount
        self.runAs = runAs
    }

    public var isHealthy: Bool { health == .passing }

    /// The service account of an instance registered without one (Istio's default too).
    public static let defaultServiceAccount = "default"

    /// The workload's SPIFFE identity, `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`:
    /// what the CA lets the instance's node request for it, and what its peers see.
    public func spiffeID(trustDomain: String) -> String {
        "spiffe://\(trustDomain)/ns/\(namespace)/sa/\(serviceAccount)"
    }
}

/// The registry at one moment, as watchers receive it.
public struct RegistryState: Sendable, Hashable {
    /// Grows by one on every change (registration, deregistration, health change).
    public var revision: Int64
    public var instances: [String: Instance]

    public init(revision: Int64, instances: [String: Instance]) {
        self.revision = revision
        self.instances = instances
    }

    public static let empty = RegistryState(revision: 0, instances: [:])

    public func instances(service: String, namespace: String) -> [Instance] {
        instances.values.filter { $0.service == service && $0.namespace == namespace }.sorted { $0.id < $1.id }
    }
}

/// The registry role's contract.
public protocol RegistryAPI: Sendable {
    /// Registers (or replaces, by id) an instance. Invalid input is a `MeshError(.validation)`
    /// whose details name the field.
    func register(_ registration: InstanceRegistration) async throws -> Instance
    /// `.notFound` for an unknown id; `.conflict` for a ServiceEntry endpoint (change the ServiceEntry instead).
    func deregister(id: String) async throws
    /// Refreshes a TTL check (and marks it passing). `.notFound`, or `.invalidArgument` when the instance has no TTL check.
    func heartbeat(id: String) async throws -> Instance
    func instances(service: String?, namespace: String?) async throws -> [Instance]
    /// Current state first, then each newer state; a slow consumer skips to the newest.
    func watch() -> AsyncStream<RegistryState>
}
