/// The nftables form of UDP DNAT (`UDPRules`), inside the `inet meshbox` table: a verdict map per
/// family from `VIP . port` to a chain of the target's own, whose one rule picks an endpoint with
/// `numgen random` (kube-proxy's nftables mode has the same shape).
///
/// ```
/// map udp4 { type ipv4_addr . inet_service : verdict; elements = { 240.240.0.9 . 53 : goto udp-<hash> } }
/// chain services { … ip daddr . udp dport vmap @udp4 }
/// chain udp-<hash> { meta l4proto udp dnat ip to numgen random mod 2 map { 0 : 10.0.0.1 . 5353, 1 : 10.0.0.2 . 5353 } }
/// ```
///
/// A change of one target's endpoints flushes and refills its chain; a new or removed target adds
/// or deletes its chain and map element; nothing else is written.
enum UDPNFTRules {
    /// The maps, declared with the table's structure.
    static let maps = [
        "  map udp4 { type ipv4_addr . inet_service : verdict; }",
        "  map udp6 { type ipv6_addr . inet_service : verdict; }",
    ]
    /// The lookups at the end of the `services` chain (after the mark `return`).
    static let lookups = [
        "    ip daddr . udp dport vmap @udp4",
        "    ip6 daddr . udp dport vmap @udp6",
    ]

    /// `udp-` and 16 base32 characters of a hash of the target: stable across passes, unique per
    /// VIP and port in both families.
    static func chainName(_ target: UDPForwarding.Target) -> String {
        "udp-" + CaptureRules.chainName(forService: target.description).dropFirst(CaptureRules.serviceChainPrefix.count)
    }

    /// The script's UDP lines, in the order they must run within the transaction.
    struct Script: Sendable, Hashable {
        /// Map elements of targets that went, before their chains can go.
        var removals: [String] = []
        /// New chains and rewritten ones, before map elements can point at them.
        var chains: [String] = []
        var additions: [String] = []
        /// Chains of targets that went, once no element points at them.
        var deletions: [String] = []

        var isEmpty: Bool { removals.isEmpty && chains.isEmpty && additions.isEmpty && deletions.isEmpty }
    }

    /// From `installed` (nil: an empty table) to `wanted`.
    static func script(from installed: [IPFamily: UDPForwarding]?, to wanted: [IPFamily: UDPForwarding]) -> Script {
        var script = Script()
        let table = NFTCaptureRules.table
        for family in IPFamily.allCases {
            let have = installed?[family] ?? UDPForwarding()
            let want = wanted[family] ?? UDPForwarding()
            let map = family == .ipv4 ? "udp4" : "udp6"
            for target in want.changedTargets(from: have).sorted() {
                let chain = chainName(target)
                let key = "\(target.address) . \(target.port)"
                guard let endpoints = want.targets[target] else {
                    script.removals.append("delete element \(table) \(map) { \(key) }")
                    script.deletions.append("delete chain \(table) \(chain)")
                    continue
                }
                let rule = "add rule \(table) \(chain) \(UDPRules.nftRule(endpoints: endpoints, family: family))"
                if have.targets[target] == nil {
                    script.chains += ["add chain \(table) \(chain)", rule]
                    script.additions.append("add element \(table) \(map) { \(key) : goto \(chain) }")
                } else {
                    script.chains += ["flush chain \(table) \(chain)", rule]
                }
            }
        }
        return script
    }
}
