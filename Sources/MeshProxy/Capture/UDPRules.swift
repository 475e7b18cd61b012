import Foundation

/// The DNAT rules of UDP service ports, kube-proxy's way: REDIRECT cannot carry UDP to the proxy
/// with its original destination, so the kernel spreads each new flow across the port's endpoints
/// and conntrack keeps the flow on the one it chose.
///
/// iptables, in the service's own chain (`MESHBOX-SVC-*`), a cascade that gives each of n
/// endpoints 1/n of the flows (kube-proxy's `KUBE-SVC-*`, without a chain per endpoint):
///
/// ```
/// -A MESHBOX-SVC-<hash> -p udp -m udp --dport 53 -m statistic --mode random --probability 0.33333333349 -j DNAT --to-destination 10.0.0.1:5353
/// -A MESHBOX-SVC-<hash> -p udp -m udp --dport 53 -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.0.0.2:5353
/// -A MESHBOX-SVC-<hash> -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.3:5353
/// ```
///
/// nftables, one chain per target, reached through a verdict map: `meta l4proto udp dnat ip to
/// numgen random mod 3 map { 0 : 10.0.0.1 . 5353, 1 : 10.0.0.2 . 5353, 2 : 10.0.0.3 . 5353 }`.
enum UDPRules {
    /// A UDP port of a service with its endpoints (canonical, sorted, unique, not empty).
    struct Port: Sendable, Hashable {
        var number: Int
        var endpoints: [ServiceVIP.Endpoint]
    }

    /// A service's UDP ports with their canonical endpoints (of the VIP's family), and what was
    /// left out. `family` nil (the VIP is not an address) gives nothing.
    static func ports(of service: ServiceVIP, family: IPFamily?) -> (ports: [Port], problems: [String]) {
        guard let family else { return ([], []) }
        var byPort: [Int: [ServiceVIP.Endpoint]] = [:]
        var problems: [String] = []
        for port in service.ports where !port.isCapturedByRedirect {
            guard (1...65535).contains(port.number) else {
                problems.append("port \(port.number) is out of range")
                continue
            }
            guard byPort[port.number] == nil else {
                problems.append("UDP port \(port.number) is listed twice; the first is used")
                continue
            }
            var endpoints: [ServiceVIP.Endpoint] = []
            for endpoint in port.endpoints {
                guard let address = CanonicalAddress(endpoint.address), address.prefixLength == family.addressBits,
                    address.family == family
                else {
                    problems.append("UDP port \(port.number): endpoint \(endpoint.address) is not an \(family) address")
                    continue
                }
                guard (1...65535).contains(endpoint.port) else {
                    problems.append("UDP port \(port.number): endpoint port \(endpoint.port) is out of range")
                    continue
                }
                endpoints.append(ServiceVIP.Endpoint(address: address.addressText, port: endpoint.port))
            }
            var unique: [ServiceVIP.Endpoint] = []
            for endpoint in endpoints.sorted() where endpoint != unique.last { unique.append(endpoint) }
            byPort[port.number] = unique
        }
        let ports = byPort.filter { !$0.value.isEmpty }.map { Port(number: $0.key, endpoints: $0.value) }
            .sorted { $0.number < $1.number }
        return (ports, problems)
    }

    /// One rule per endpoint, in the canonical text `iptables-save` prints; the last one takes
    /// what the others left, so every new flow is DNATed.
    static func iptablesRules(_ port: Port) -> [String] {
        port.endpoints.enumerated().map { index, endpoint in
            let remaining = port.endpoints.count - index
            let statistic =
                remaining > 1 ? "-m statistic --mode random --probability \(probability(1, in: remaining)) " : ""
            return "-p udp -m udp --dport \(port.number) \(statistic)-j DNAT --to-destination \(endpoint)"
        }
    }

    /// `1/n` as `iptables-save` prints it: the kernel keeps `round(2³¹ · p)`, printed with 11
    /// decimals (`0.33333333349` for a third), so the rendered rule compares equal to the saved one.
    static func probability(_ numerator: Int, in denominator: Int) -> String {
        let scale = 2_147_483_648.0
        let kept = (scale * Double(numerator) / Double(denominator)).rounded()
        return String(format: "%.11f", kept / scale)
    }

    /// The nft rule of a target's chain.
    static func nftRule(endpoints: [ServiceVIP.Endpoint], family: IPFamily) -> String {
        let prefix = "meta l4proto udp dnat \(family == .ipv4 ? "ip" : "ip6") to "
        if endpoints.count == 1 { return prefix + endpoints[0].description }
        let entries = endpoints.enumerated().map { "\($0) : \($1.address) . \($1.port)" }
        return prefix + "numgen random mod \(endpoints.count) map { \(entries.joined(separator: ", ")) }"
    }
}
