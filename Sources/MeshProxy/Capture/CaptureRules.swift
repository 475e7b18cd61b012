import Crypto
public import MeshModel

/// The nat rules that capture VIP traffic for one address family: a pure function of the VIP
/// table and the configuration (no I/O), in the canonical text `iptables-save` prints.
///
/// ```
/// -A PREROUTING -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES
/// -A OUTPUT -d 240.240.0.0/16 -m comment --comment meshbox-services -j MESHBOX-SERVICES
/// -A MESHBOX-SERVICES -m mark --mark 0x4d42 -j RETURN          (the proxy's own sockets, first)
/// -A MESHBOX-SERVICES -d 240.240.0.7/32 -m comment --comment "default/reviews" -j MESHBOX-SVC-<hash>
/// -A MESHBOX-SVC-<hash> -p tcp -m tcp --dport 9080 -j REDIRECT --to-ports 15001
/// -A MESHBOX-SVC-<hash> -p udp -m udp --dport 53 … -j DNAT --to-destination 10.0.0.1:5353  (UDPRules)
/// -A MESHBOX-PROXY-CANARY -j RETURN                             (gone or empty: someone flushed)
/// ```
///
/// One chain per service (kube-proxy's `KUBE-SVC-*`), named by a hash of the service key so a
/// change of VIP or ports keeps the name; one jump per VIP in `MESHBOX-SERVICES`.
public struct CaptureRules: Sendable, Hashable {
    public static let servicesChain = "MESHBOX-SERVICES"
    public static let canaryChain = "MESHBOX-PROXY-CANARY"
    public static let serviceChainPrefix = "MESHBOX-SVC-"
    /// The built-in chains that jump to `MESHBOX-SERVICES`: local clients and forwarded traffic.
    public static let hookChains = ["PREROUTING", "OUTPUT"]
    static let hookComment = "meshbox-services"

    public let family: IPFamily
    /// What the nat table should hold of meshbox's.
    public let chains: NATChains
    /// Every captured VIP and TCP port, as `address . port` in nft's element syntax, by service
    /// chain (the nftables backend keeps these in a set instead of a chain per service).
    public private(set) var endpoints: [String: [String]] = [:]
    /// The UDP ports the rules DNAT, with their endpoints (of the services that were accepted).
    public private(set) var udpForwarding = UDPForwarding()
    /// Services (or their ports) left out, with the reason; never a crash, never a partial rule.
    public let problems: [Problem]

    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var service: String
        public var reason: String
        public var description: String { "\(service): \(reason)" }
    }

    /// The rules for the services of `family` in `services` (others are ignored). With no range
    /// configured for the family, nothing is wanted: the table is left clean of meshbox rules.
    public init(services: [ServiceVIP], family: IPFamily, configuration: CaptureConfiguration) {
        var cache = RenderingCache()
        self.init(services: services, family: family, configuration: configuration, cache: &cache)
    }

    /// As above, reusing the renderings of services that did not change since the pass that
    /// filled `cache` (the reconciler keeps one): a pass over 10,000 services renders only the
    /// changed ones, and the second family of a pass renders none.
    init(services: [ServiceVIP], family: IPFamily, configuration: CaptureConfiguration, cache: inout RenderingCache) {
        self.family = family
        var problems: [Problem] = []
        guard let rangeText = configuration.serviceRange(family) else {
            for service in services where CanonicalAddress(service.address)?.family == family {
                problems.append(Problem(service: service.key, reason: "no \(family) service range is configured"))
            }
            self.chains = NATChains()
            self.problems = problems
            return
        }
        guard let range = CanonicalAddress(rangeText), range.family == family else {
            self.chains = NATChains()
            self.problems = [Problem(service: "*", reason: "service range \(rangeText) is not an \(family) CIDR")]
            return
        }
        guard (1...65535).contains(configuration.redirectPort) else {
            self.chains = NATChains()
            self.problems = [
                Problem(service: "*", reason: "redirect port \(configuration.redirectPort) is out of range")
            ]
            return
        }

        let hook = "-d \(range.cidr) -m comment --comment \(Self.hookComment) -j \(Self.servicesChain)"
        var chains: [String: [String]] = [
            Self.servicesChain: [Self.markReturn(configuration)],
            Self.canaryChain: ["-j RETURN"],
        ]
        let (rows, renderings) = cache.rendered(services, redirectPort: configuration.redirectPort)
        let expected = cache.count(of: family)
        var vipOwner: [CanonicalAddress: String] = [:]
        var endpoints: [String: [String]] = [:]
        var jumps = chains[Self.servicesChain]!
        vipOwner.reserveCapacity(expected)
        chains.reserveCapacity(expected + 2)
        endpoints.reserveCapacity(expected)
        jumps.reserveCapacity(expected + 1)
        var udpTargets: [UDPForwarding.Target: [ServiceVIP.Endpoint]] = [:]
        for index in rows.indices {
            // The other family's rows leave after one field read, without a copy of row or rendering.
            guard let address = renderings[index].address else {
                // Reported once, with the IPv4 rules, not once per family.
                if family == .ipv4 {
                    problems.append(
                        Problem(service: rows[index].key, reason: "VIP \(rows[index].address) is not an IP address")
                    )
                }
                continue
            }
            guard address.family == family else { continue }
            let service = rows[index]
            let rendering = renderings[index]
            guard range.contains(address) else {
                problems.append(
                    Problem(service: service.key, reason: "VIP \(service.address) is outside \(range.cidr)")
                )
                continue
            }
            if let owner = vipOwner[address] {
                problems.append(Problem(service: service.key, reason: "VIP \(service.address) is already \(owner)'s"))
                continue
            }
            if chains[rendering.chain] != nil {
                // Two keys with one hash (or one key twice): the first keeps the chain.
                let owner = vipOwner.first { $0.value != service.key && Self.chainName(forService: $0.value) == rendering.chain }
                problems.append(Problem(service: service.key, reason: "same key or chain hash as \(owner?.value ?? service.key)"))
                continue
            }
            problems += rendering.portProblems.map { Problem(service: service.key, reason: $0) }
            guard !rendering.rules.isEmpty else { continue }  // nothing to capture (no ports, UDP without endpoints)
            vipOwner[address] = service.key
            jumps.append(rendering.jump)
            chains[rendering.chain] = rendering.rules
            endpoints[rendering.chain] = rendering.elements
            for port in rendering.udp {
                udpTargets[UDPForwarding.Target(address: address.addressText, port: port.number)] = port.endpoints
            }
        }
        chains[Self.servicesChain] = jumps
        self.chains = NATChains(
            chains: chains,
            jumps: Dictionary(uniqueKeysWithValues: Self.hookChains.map { ($0, [hook]) })
        )
        self.problems = problems
        self.endpoints = endpoints
        self.udpForwarding = UDPForwarding(targets: udpTargets)
    }

    /// `MESHBOX-SVC-` and 16 base32 characters of the key's SHA-256 (28 characters, the longest
    /// chain name iptables takes), as kube-proxy names `KUBE-SVC-*`.
    public static func chainName(forService key: String) -> String {
        let digest = Array(SHA256.hash(data: Array(key.utf8)))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var name = serviceChainPrefix
        for byte in digest {
            value = (value << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                name.append(alphabet[(value >> bits) & 31])
                if name.count == serviceChainPrefix.count + 16 { return name }
            }
            value &= (1 << bits) - 1
        }
        return name
    }

    /// The first rule of `MESHBOX-SERVICES`: the proxy's own marked packets leave untouched.
    static func markReturn(_ configuration: CaptureConfiguration) -> String {
        let mark = "0x" + String(configuration.mark, radix: 16)
        let mask = configuration.markMask == 0xffff_ffff ? "" : "/0x" + String(configuration.markMask, radix: 16)
        return "-m mark --mark \(mark)\(mask) -j RETURN"
    }

    /// A comment iptables keeps verbatim: the key's safe characters, at most 64 of them.
    static func commentText(_ key: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:")
        let text = String(key.prefix(64).map { allowed.contains($0) ? $0 : "_" })
        return text.isEmpty ? "_" : text
    }

    /// As `iptables-save` writes a word (libxtables' `xtables_save_string`): quoted unless it is
    /// letters, digits, `-` and `_` only.
    static func quoted(_ word: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        return word.allSatisfy({ plain.contains($0) }) ? word : "\"\(word)\""
    }
}
