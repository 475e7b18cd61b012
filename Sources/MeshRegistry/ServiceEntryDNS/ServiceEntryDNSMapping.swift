import Foundation
import MeshAPI
import MeshModel
import NIOCore

/// ServiceEntry with `resolution: DNS` or `DNS_ROUND_ROBIN` → the names to resolve and, from
/// their answers, instances (built by `ServiceEntryMapping` as if the resolved addresses had been
/// written as `STATIC` endpoints, so ports, labels, weight, service account and ids follow the
/// same rules).
///
/// Istio's semantics:
/// - with `endpoints`, each endpoint's `address` is resolved (an IP address is used as written);
///   the instances are the ServiceEntry's, as for `STATIC` (registry service = its name);
/// - without, each of `hosts` (not wildcards) is resolved; its instances belong to the host alone
///   (registry service = the host), so two hosts of one entry never share addresses;
/// - `DNS`: every address of an answer is an instance (Envoy's STRICT_DNS);
/// - `DNS_ROUND_ROBIN`: only the first address of the answer is (Envoy's LOGICAL_DNS): new
///   connections go to whatever the name resolves to first now, one address at a time.
enum ServiceEntryDNSMapping {
    /// The names `config`'s DNS ServiceEntries need resolved, lowercased.
    static func names(in config: ConfigState) -> Set<String> {
        var names: Set<String> = []
        for stored in config.resources(of: .serviceEntry) {
            guard case .serviceEntry(let spec) = stored.resource.spec, spec.resolvesNames else { continue }
            if spec.endpoints.isEmpty {
                for host in spec.hosts where !host.contains("*") { names.insert(host.lowercased()) }
            } else {
                for endpoint in spec.endpoints {
                    guard let address = endpoint.address, !isIPAddress(address) else { continue }
                    names.insert(address.lowercased())
                }
            }
        }
        return names
    }

    /// The instances of a DNS ServiceEntry given the answers so far (a name without one yet adds
    /// none); `[]` for any other resource.
    static func instances(of resource: Resource, resolved: [String: [String]], now: Date) -> [Instance] {
        guard case .serviceEntry(let spec) = resource.spec, spec.resolvesNames else { return [] }
        let pick: ([String]) -> [String] = { spec.resolution == .dnsRoundRobin ? Array($0.prefix(1)) : $0 }
        var asStatic = spec
        asStatic.resolution = .static
        if !spec.endpoints.isEmpty {
            asStatic.endpoints = spec.endpoints.flatMap { endpoint -> [WorkloadEntry] in
                guard let address = endpoint.address else { return [] }
                let addresses = isIPAddress(address) ? [address] : pick(resolved[address.lowercased()] ?? [])
                return addresses.map { resolvedAddress in
                    var copy = endpoint
                    copy.address = resolvedAddress
                    return copy
                }
            }
            return ServiceEntryMapping.instances(of: resource.replacingSpec(.serviceEntry(asStatic)), now: now)
        }
        var result: [Instance] = []
        for host in Set(spec.hosts.map { $0.lowercased() }).sorted() where !host.contains("*") {
            asStatic.endpoints = pick(resolved[host] ?? []).map { WorkloadEntry(address: $0) }
            var perHost = resource.replacingSpec(.serviceEntry(asStatic))
            perHost.metadata.name = spec.registryService(forHost: host, entryName: resource.metadata.name)
            result += ServiceEntryMapping.instances(of: perHost, now: now)
        }
        return result
    }

    static func isIPAddress(_ text: String) -> Bool {
        (try? SocketAddress(ipAddress: text, port: 0)) != nil
    }
}

extension Resource {
    fileprivate func replacingSpec(_ spec: ResourceSpec) -> Resource {
        var copy = self
        copy.spec = spec
        return copy
    }
}
