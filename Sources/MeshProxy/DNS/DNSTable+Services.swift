public import MeshDNS
public import MeshModel

extension DNSTable {
    /// The table of a snapshot's mesh services (`Snapshot.meshServices`): for each meshbox
    /// `Service`, `<name>.<namespace>.svc.<domain>` and the forms a client in a namespace would
    /// write (`<name>.<namespace>.svc`, `<name>.<namespace>`: a bare-metal host has no namespace
    /// search path, so these are answered as they are asked) with the service's VIPs; for each
    /// `ServiceEntry` host (wildcards excepted) its VIPs or `addresses`; and for every named port
    /// `_<port>._<tcp|udp>.<name>` SRV records pointing at the fully qualified name.
    ///
    /// The services come ServiceEntry hosts first (`ConfigState.meshServices(registry:)`), and a
    /// name is answered by the first that claims it: a ServiceEntry host wins over a Service of
    /// the same name, as in routing; between two ServiceEntries, the first by namespace and name.
    public init(services: [Snapshot.MeshService], domain: DNSName, revision: Int64 = 0) {
        self.init(domain: domain, revision: revision)
        // Three names a service, an SRV name per port at each, and the parents of the first's.
        var names = 0
        for service in services where service.kind == .service { names += 3 + 3 * service.ports.count }
        reserveCapacity(names: names, parents: names / 2)
        for service in services {
            let addresses = service.vips + service.addresses
            switch service.kind {
            case .serviceEntry:
                guard let written = service.host, !written.contains("*"), let host = DNSName(written),
                    entry(for: host) == nil, !addresses.isEmpty
                else { continue }
                add(host, addresses: addresses)
                addPorts(service.ports, names: [host], target: host)
            case .service:
                guard let short = DNSName("\(service.name).\(service.namespace)"),
                    let svc = DNSName("\(service.name).\(service.namespace).svc"),
                    let fqdn = svc.appending(domain)
                else { continue }
                let names = [fqdn, svc, short].filter { entry(for: $0) == nil }
                for name in names { add(name, addresses: addresses) }
                addPorts(service.ports, names: names, target: fqdn)
            }
        }
    }

    private mutating func addPorts(_ ports: [Snapshot.MeshService.Port], names: [DNSName], target: DNSName) {
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
