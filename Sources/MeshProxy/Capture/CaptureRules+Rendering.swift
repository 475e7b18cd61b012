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
    /// passes. Each family's rules of one pass reuse the whole list (the same array comes in).
    /// When the input has the same length and differs in a few places (a service's ports or VIP
    /// changed, in place), the next pass patches those rows where they sit, without sorting
    /// 10,000 rows again; otherwise it sorts and renders only the rows that are new or changed,
    /// found by walking both sorted lists side by side (no hashing of 10,000 rows).
    struct RenderingCache: Sendable {
        var redirectPort: Int?
        /// The input of the last pass, as it came; the same rows sorted by key and address.
        var input: [ServiceVIP] = []
        var rows: [ServiceVIP] = []
        var renderings: [Rendering] = []
        /// Where each row of `input` sits in `rows`.
        private var position: [Int] = []
        /// Rows by the family of their address, for sizing each family's tables.
        private var counts: [IPFamily: Int] = [:]
        /// How many passes sorted the rows (the others patched them or found them unchanged).
        private(set) var sorts = 0
        /// Past this many changed rows, sorting again is as cheap as patching.
        static let patchLimit = 64

        func count(of family: IPFamily) -> Int { counts[family] ?? 0 }

        /// `services` sorted by key and address, each with its rendering.
        mutating func rendered(_ services: [ServiceVIP], redirectPort: Int) -> (rows: [ServiceVIP], renderings: [Rendering]) {
            if self.redirectPort != redirectPort {
                self = RenderingCache(redirectPort: redirectPort)
            } else if services.count == input.count, patched(services, redirectPort: redirectPort) {
                return (rows, renderings)
            }
            sorts += 1
            let order = services.indices.sorted {
                (services[$0].key, services[$0].address) < (services[$1].key, services[$1].address)
            }
            let sorted = order.map { services[$0] }
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
            position = Array(repeating: 0, count: order.count)
            for (sortedIndex, inputIndex) in order.enumerated() { position[inputIndex] = sortedIndex }
            counts = [:]
            for index in fresh.indices {
                if let family = fresh[index].address?.family { counts[family, default: 0] += 1 }
            }
            return (sorted, fresh)
        }

        /// Replaces the rows of `services` that differ from the last input at the same index, in
        /// place, when they are few and each still sorts strictly between its neighbours (so the
        /// result is what sorting would give). Unchanged input: true, nothing done. false leaves
        /// the cache as it was.
        private mutating func patched(_ services: [ServiceVIP], redirectPort: Int) -> Bool {
            var changed: [Int] = []
            for index in services.indices where services[index] != input[index] {
                changed.append(index)
                if changed.count > Self.patchLimit { return false }
            }
            guard !changed.isEmpty else { return true }
            // In place (the cache holds the only reference between passes), undone on failure.
            let replaced = changed.map { rows[position[$0]] }
            for index in changed { rows[position[index]] = services[index] }
            func precedes(_ a: Int, _ b: Int) -> Bool {
                (rows[a].key, rows[a].address) < (rows[b].key, rows[b].address)
            }
            for index in changed {
                let at = position[index]
                guard (at == 0 || precedes(at - 1, at)) && (at + 1 == rows.count || precedes(at, at + 1)) else {
                    for (index, row) in zip(changed, replaced) { rows[position[index]] = row }
                    return false
                }
            }
            input = services
            for index in changed {
                let at = position[index]
                if let family = renderings[at].address?.family { counts[family, default: 0] -= 1 }
                renderings[at] = CaptureRules.render(services[index], redirectPort: redirectPort)
                if let family = renderings[at].address?.family { counts[family, default: 0] += 1 }
            }
            return true
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
