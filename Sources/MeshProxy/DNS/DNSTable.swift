public import MeshDNS

/// The names the proxy's DNS server answers itself: mesh Services and ServiceEntry hosts with
/// their VIPs and the SRV records of their named ports. A value; the server swaps in a new one
/// each time the config changes and keeps the last one while the control plane is away.
public struct DNSTable: Sendable, Hashable {
    /// What one name resolves to.
    public struct Entry: Sendable, Hashable {
        /// Four octets each.
        public var ipv4: [[UInt8]] = []
        /// Sixteen octets each.
        public var ipv6: [[UInt8]] = []
        /// SRV data, for `_<port>._<proto>.<name>` entries.
        public var services: [ServiceLocation] = []

        public init(ipv4: [[UInt8]] = [], ipv6: [[UInt8]] = [], services: [ServiceLocation] = []) {
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.services = services
        }
    }

    /// An SRV record's data: the port of a service's named port and the name to look up.
    public struct ServiceLocation: Sendable, Hashable {
        public var port: UInt16
        public var target: DNSName

        public init(port: UInt16, target: DNSName) {
            self.port = port
            self.target = target
        }
    }

    /// The cluster domain (`cluster.local`): every name under it is answered from this table,
    /// NXDOMAIN when absent; names outside it only when present.
    public let domain: DNSName
    /// The config revision the table was built from; the serial of the domain's SOA.
    public let revision: Int64
    public private(set) var entries: [DNSName: Entry] = [:]
    /// Names under the domain that exist without records of their own (`default.svc.cluster.local`):
    /// NODATA for them, not NXDOMAIN (RFC 8020).
    private var interior: Set<DNSName> = []

    public init(domain: DNSName, revision: Int64 = 0) {
        self.domain = domain
        self.revision = revision
    }

    /// Whether `name` is the cluster domain or under it.
    public func isAuthoritative(for name: DNSName) -> Bool {
        name.isSubdomain(of: domain)
    }

    public func entry(for name: DNSName) -> Entry? {
        entries[name]
    }

    /// Whether `name` exists in the table, with records or as a parent of one under the domain.
    public func contains(_ name: DNSName) -> Bool {
        entries[name] != nil || interior.contains(name) || name == domain
    }

    /// Adds `addresses` (IPv4 or IPv6 text, or `/32` and `/128` blocks; anything else is skipped) to `name`, first writer's
    /// order kept and duplicates dropped.
    public mutating func add(_ name: DNSName, addresses: [String]) {
        update(name) { entry in
            for text in addresses {
                // A ServiceEntry's `addresses` may hold CIDR blocks: only single addresses are answers.
                guard let address = CanonicalAddress(text), address.prefixLength == address.family.addressBits else {
                    continue
                }
                switch address.family {
                case .ipv4: if !entry.ipv4.contains(address.bytes) { entry.ipv4.append(address.bytes) }
                case .ipv6: if !entry.ipv6.contains(address.bytes) { entry.ipv6.append(address.bytes) }
                }
            }
        }
    }

    /// Adds the SRV data of one named port at `name` (`_http._tcp.reviews.default.svc.cluster.local`).
    public mutating func add(_ name: DNSName, service: ServiceLocation) {
        update(name) { entry in
            if !entry.services.contains(service) { entry.services.append(service) }
        }
    }

    /// Room for `names` entries and `parents` interior names, so a table of 10,000 services is
    /// not rehashed as it grows.
    mutating func reserveCapacity(names: Int, parents: Int) {
        entries.reserveCapacity(names)
        interior.reserveCapacity(parents)
    }

    /// Changes `name`'s entry in place (one hash of the name), creating it and its parents when new.
    private mutating func update(_ name: DNSName, _ change: (inout Entry) -> Void) {
        let count = entries.count
        change(&entries[name, default: Entry()])
        guard entries.count != count, isAuthoritative(for: name) else { return }
        // A parent already there has its own parents there too: 10,000 services under
        // `default.svc.<domain>` stop at it instead of inserting it 10,000 times.
        var parent = name.droppingFirst()
        while parent.labels.count > domain.labels.count, interior.insert(parent).inserted {
            parent = parent.droppingFirst()
        }
    }
}
