extension CaptureRules {
    /// One service's share of the rules, which depends on nothing but the service (and the
    /// redirect port): its address, its chain, its jump from `MESHBOX-SERVICES`, its chain's rules.
    struct Rendering: Sendable, Hashable {
        /// nil when the VIP is not an address (a CIDR or garbage).
        var address: CanonicalAddress?
        var chain: String
        var jump: String
        var rules: [String]
        /// `address . port` per captured port, as nft writes set elements.
        var elements: [String]
        /// Ports left out, with the reason.
        var portProblems: [String]
        /// UDP ports with endpoints (DNATed by `rules`), by port number.
        var udp: [UDPRules.Port] = []
    }

    /// The rows of the last pass, sorted, with their renderings; kept by the reconciler across
    /// passes. Each family's rules of one pass reuse the whole list (the same array comes in);
    /// the next pass renders only the rows that are new or changed, found by walking both sorted
    /// lists side by side (no hashing of 10,000 rows, no dictionary rebuilt).
    struct RenderingCache: Sendable {
        var redirectPort: Int?
        /// The input of the last pass, as it came; the same rows sorted by key and address.
        var input: [ServiceVIP] = []
        var rows: [ServiceVIP] = []
        var renderings: [Rendering] = []
        /// Rows by the family of their address, for sizing each family's tables.
        private var counts: [IPFamily: Int] = [:]

        func count(of family: IPFamily) -> Int { counts[family] ?? 0 }

        /// `services` sorted by key and address, each with its rendering.
        mutating func rendered(_ services: [ServiceVIP], redirectPort: Int) -> (rows: [ServiceVIP], renderings: [Rendering]) {
            if self.redirectPort != redirectPort {
                self = RenderingCache(redirectPort: redirectPort)
            } else if services == input {
                return (rows, renderings)
            }
            let sorted = services.sorted { ($0.key, $0.address) < ($1.key, $1.address) }
            var fresh: [Rendering] = []
            fresh.reserveCapacity(sorted.count)
            var old = 0
            for row in sorted {
                while old < rows.count, (rows[old].key, rows[old].address) < (row.key, row.address) { old += 1 }
                if old < rows.count, rows[old] == row {
                    fresh.append(renderings[old])
                    old += 1
                } else {
                    fresh.append(CaptureRules.render(row, redirectPort: redirectPort))
                }
            }
            input = services
            rows = sorted
            renderings = fresh
            counts = [:]
            for index in fresh.indices {
                if let family = fresh[index].address?.family { counts[family, default: 0] += 1 }
            }
            return (sorted, fresh)
        }
    }

    static func render(_ service: ServiceVIP, redirectPort: Int) -> Rendering {
        let address = service.address.contains("/") ? nil : CanonicalAddress(service.address)
        let chain = chainName(forService: service.key)
        var ports: [Int] = []
        var problems: [String] = []
        for port in service.ports where port.isCapturedByRedirect {
            if (1...65535).contains(port.number) {
                ports.append(port.number)
            } else {
                problems.append("port \(port.number) is out of range")
            }
        }
        var unique: [Int] = []
        for port in ports.sorted() where port != unique.last { unique.append(port) }
        let udp = UDPRules.ports(of: service, family: address?.family)
        problems += udp.problems
        let rules =
            unique.map { "-p tcp -m tcp --dport \($0) -j REDIRECT --to-ports \(redirectPort)" }
            + udp.ports.flatMap(UDPRules.iptablesRules)
        let jump = "-d \(address?.cidr ?? "") -m comment --comment \(quoted(commentText(service.key))) -j \(chain)"
        let text = address?.addressText ?? ""
        return Rendering(
            address: address,
            chain: chain,
            jump: jump,
            rules: rules,
            elements: unique.map { "\(text) . \($0)" },
            portProblems: problems,
            udp: udp.ports
        )
    }
}
