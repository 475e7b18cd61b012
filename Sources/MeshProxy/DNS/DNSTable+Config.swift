public import MeshAPI
public import MeshDNS
import MeshModel

extension DNSTable {
    /// The table of the config store's state: for each meshbox `Service`,
    /// `<name>.<namespace>.svc.<domain>` and the forms a client in a namespace would write
    /// (`<name>.<namespace>.svc`, `<name>.<namespace>`: a bare-metal host has no namespace search
    /// path, so these are answered as they are asked) with the service's VIPs; for each
    /// `ServiceEntry` host (wildcards excepted) its VIPs or single `addresses`; and for every named
    /// port `_<port>._<tcp|udp>.<name>` SRV records pointing at the fully qualified name.
    ///
    /// A ServiceEntry host wins over a Service of the same name, as in routing; between two
    /// ServiceEntries, the first by namespace and name.
    public init(config: ConfigState, domain: DNSName) {
        self.init(domain: domain, revision: config.revision)
        for stored in config.resources(of: .serviceEntry) {
            guard case .serviceEntry(let spec) = stored.resource.spec else { continue }
            let vips = stored.status?.vips ?? []
            for written in spec.hosts where !written.contains("*") {
                guard let host = DNSName(written), entry(for: host) == nil else { continue }
                let addresses = vips.filter { $0.host == written }.map(\.address) + spec.addresses
                guard !addresses.isEmpty else { continue }
                add(host, addresses: addresses)
                addPorts(spec.ports.map { ($0.name, $0.number, $0.protocol) }, names: [host], target: host)
            }
        }
        let services = config.resources(of: .service)
        // Three names a service, an SRV name per port at each, and the parents of the first's.
        var names = entries.count
        for stored in services {
            if case .service(let spec) = stored.resource.spec { names += 3 + 3 * spec.ports.count }
        }
        reserveCapacity(names: names, parents: names / 2)
        for stored in services {
            guard case .service(let spec) = stored.resource.spec else { continue }
            let key = stored.key
            guard let short = DNSName("\(key.name).\(key.namespace)"),
                let svc = DNSName("\(key.name).\(key.namespace).svc"),
                let fqdn = svc.appending(domain)
            else { continue }
            let addresses = config.vips(of: key).map(\.address) + (spec.vip.map { [$0] } ?? [])
            let names = [fqdn, svc, short].filter { entry(for: $0) == nil }
            for name in names { add(name, addresses: addresses) }
            addPorts(spec.ports.map { ($0.name, $0.number, $0.protocol) }, names: names, target: fqdn)
        }
    }

    private mutating func addPorts(
        _ ports: [(name: String?, number: UInt32, protocol: PortProtocol?)], names: [DNSName], target: DNSName
    ) {
        for port in ports {
            guard let portName = port.name, let number = UInt16(exactly: port.number),
                let prefix = DNSName("_\(portName.lowercased())._\(port.protocol == .udp ? "udp" : "tcp")")
            else { continue }
            for name in names {
                guard let srvName = name.prepending(prefix) else { continue }
                add(srvName, service: ServiceLocation(port: number, target: target))
            }
        }
    }
}
