/// The nftables form of capture: one `inet meshbox` table of meshbox's own, for both families.
///
/// ```
/// table inet meshbox {
///   set captured4 { type ipv4_addr . inet_service; elements = { 240.240.0.7 . 9080, … } }
///   set captured6 { type ipv6_addr . inet_service; … }
///   chain services { meta mark & 0xffffffff == 0x00004d42 return
///                    ip daddr . tcp dport @captured4 redirect to :15001 … }
///   chain prerouting { type nat hook prerouting priority dstnat; ip daddr 240.240.0.0/16 jump services }
///   chain output { type nat hook output priority -100; ip daddr 240.240.0.0/16 jump services }
///   chain canary { return }
/// }
/// ```
///
/// Services live as set elements (a lookup per packet, however many services), so a change to
/// one service adds and deletes only its elements; the rest of the table (the structure) is
/// rewritten only when the configuration changes, by replacing the table in one transaction.
public struct NFTCaptureRules: Sendable, Hashable {
    public static let table = "inet meshbox"

    /// The table without its set elements: ranges, mark, redirect port.
    public let structure: String
    /// `address . port` elements by family, then by service (chain name, as in CaptureRules).
    public let elements: [IPFamily: [String: [String]]]
    /// The UDP ports DNATed to their endpoints, by family (`UDPNFTRules`).
    public let udp: [IPFamily: UDPForwarding]
    public let problems: [CaptureRules.Problem]

    public init(services: [ServiceVIP], configuration: CaptureConfiguration) {
        var cache = CaptureRules.RenderingCache()
        self.init(services: services, configuration: configuration, cache: &cache)
    }

    init(services: [ServiceVIP], configuration: CaptureConfiguration, cache: inout CaptureRules.RenderingCache) {
        var elements: [IPFamily: [String: [String]]] = [:]
        var udp: [IPFamily: UDPForwarding] = [:]
        var problems: [CaptureRules.Problem] = []
        var hooks: [String] = []
        for family in IPFamily.allCases {
            let rules = CaptureRules(services: services, family: family, configuration: configuration, cache: &cache)
            problems += rules.problems
            elements[family] = rules.endpoints
            udp[family] = rules.udpForwarding
            // The range as CaptureRules validated it (nil: no range, or a broken one).
            if let range = configuration.serviceRange(family).flatMap(CanonicalAddress.init), range.family == family,
                !rules.chains.isEmpty
            {
                hooks.append("\(family == .ipv4 ? "ip" : "ip6") daddr \(range.cidr) jump services")
            }
        }
        let mark = Self.hex8(configuration.mark)
        let mask = Self.hex8(configuration.markMask)
        let port = configuration.redirectPort
        var lines = [
            "table \(Self.table) {",
            "  set captured4 { type ipv4_addr . inet_service; }",
            "  set captured6 { type ipv6_addr . inet_service; }",
        ]
        lines += UDPNFTRules.maps
        lines += [
            "  chain services {",
            "    meta mark & 0x\(mask) == 0x\(mark) return",
            "    ip daddr . tcp dport @captured4 redirect to :\(port)",
            "    ip6 daddr . tcp dport @captured6 redirect to :\(port)",
        ]
        lines += UDPNFTRules.lookups
        lines.append("  }")
        for (hook, priority) in [("prerouting", "dstnat"), ("output", "-100")] {
            lines.append("  chain \(hook) {")
            lines.append("    type nat hook \(hook) priority \(priority); policy accept;")
            lines += hooks.map { "    " + $0 }
            lines.append("  }")
        }
        lines += ["  chain canary {", "    return", "  }", "}"]
        self.structure = lines.joined(separator: "\n") + "\n"
        self.elements = elements
        self.udp = udp
        self.problems = problems
    }

    /// Replaces the whole table in one transaction (creating it first makes the delete safe).
    public var fullScript: String {
        var script = "table \(Self.table) {}\ndelete table \(Self.table)\n" + structure
        script += Self.elementLines("add", elements.mapValues { Set($0.values.joined()) })
        let udpScript = UDPNFTRules.script(from: nil, to: udp)
        script += Self.lines(udpScript.chains + udpScript.additions)
        return script
    }

    /// Every element of a family's set.
    public func allElements(_ family: IPFamily) -> Set<String> {
        Set((elements[family] ?? [:]).values.joined())
    }

    /// The `nft -f` input from `installed` to `self`: element changes only, or the full table when
    /// the structure differs; nil when nothing differs.
    public func script(from installed: NFTCaptureRules?) -> String? {
        guard let installed, installed.structure == structure else { return fullScript }
        // Compared service by service (an array each), then only the differing ones element by
        // element: a pass over 10,000 unchanged services hashes no element.
        var gone: [IPFamily: Set<String>] = [:]
        var new: [IPFamily: Set<String>] = [:]
        for family in IPFamily.allCases {
            let have = installed.elements[family] ?? [:]
            let want = elements[family] ?? [:]
            for (service, wanted) in want where have[service] != wanted {
                let had = Set(have[service] ?? [])
                new[family, default: []].formUnion(Set(wanted).subtracting(had))
                gone[family, default: []].formUnion(had.subtracting(wanted))
            }
            for (service, had) in have where want[service] == nil {
                gone[family, default: []].formUnion(had)
            }
        }
        let udpScript = UDPNFTRules.script(from: installed.udp, to: udp)
        let script =
            Self.elementLines("delete", gone) + Self.lines(udpScript.removals + udpScript.chains)
            + Self.elementLines("add", new) + Self.lines(udpScript.additions + udpScript.deletions)
        return script.isEmpty ? nil : script
    }

    /// Removes the table, whether it is there or not.
    public static let uninstallScript = "table \(table) {}\ndelete table \(table)\n"

    private static func lines(_ commands: [String]) -> String {
        commands.map { $0 + "\n" }.joined()
    }

    /// Eight hex digits, as nft prints marks and masks.
    private static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    private static func elementLines(_ verb: String, _ elements: [IPFamily: Set<String>]) -> String {
        var script = ""
        for family in IPFamily.allCases {
            guard let set = elements[family], !set.isEmpty else { continue }
            let name = family == .ipv4 ? "captured4" : "captured6"
            // Sorted for a stable text; chunks keep each line a sane length.
            let sorted = set.sorted()
            for start in stride(from: 0, to: sorted.count, by: 1000) {
                let chunk = sorted[start..<min(start + 1000, sorted.count)]
                script += "\(verb) element \(table) \(name) { \(chunk.joined(separator: ", ")) }\n"
            }
        }
        return script
    }
}
