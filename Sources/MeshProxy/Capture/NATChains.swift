/// The part of a nat table that belongs to meshbox: every `MESHBOX-*` chain with its rules, and
/// the rules in other chains (OUTPUT, PREROUTING, ...) that jump to one of them.
///
/// A rule is kept as its spec, the text `iptables-save` writes after `-A <chain> `; the generator
/// writes specs in the same canonical form, so what is installed and what is wanted compare as
/// strings.
public struct NATChains: Sendable, Hashable {
    /// Chains meshbox owns, by name, each with its rule specs in order.
    public var chains: [String: [String]]
    /// meshbox's rules in chains it does not own, by chain: specs that jump to an owned chain.
    public var jumps: [String: [String]]

    public static let ownedPrefix = "MESHBOX-"

    public init(chains: [String: [String]] = [:], jumps: [String: [String]] = [:]) {
        self.chains = chains
        self.jumps = jumps
    }

    /// Reads the `*nat` table of `iptables-save` (or `ip6tables-save`) output; everything that is
    /// not meshbox's is ignored.
    public init(iptablesSave text: String) {
        self.init()
        var inNAT = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("*") {
                inNAT = line == "*nat"
                continue
            }
            guard inNAT else { continue }
            if line == "COMMIT" {
                inNAT = false
            } else if line.hasPrefix(":") {
                let name = line.dropFirst().prefix { $0 != " " }
                if name.hasPrefix(Self.ownedPrefix), chains[String(name)] == nil { chains[String(name)] = [] }
            } else if line.hasPrefix("-A ") {
                let rest = line.dropFirst(3)
                let chain = String(rest.prefix { $0 != " " })
                let spec = String(rest.dropFirst(chain.count).drop { $0 == " " })
                if chain.hasPrefix(Self.ownedPrefix) {
                    chains[chain, default: []].append(spec)
                } else if let target = Self.target(of: spec), target.hasPrefix(Self.ownedPrefix) {
                    jumps[chain, default: []].append(spec)
                }
            }
        }
    }

    /// Rules in all of meshbox's chains and jumps.
    public var ruleCount: Int {
        chains.values.reduce(0) { $0 + $1.count } + jumps.values.reduce(0) { $0 + $1.count }
    }

    public var isEmpty: Bool { chains.isEmpty && jumps.isEmpty }

    /// The chain a spec jumps or goes to (`-j X` / `-g X`), skipping quoted comment text.
    static func target(of spec: String) -> String? {
        let tokens = tokenize(spec)
        for (index, token) in tokens.enumerated() where (token == "-j" || token == "-g") && index + 1 < tokens.count {
            return tokens[index + 1]
        }
        return nil
    }

    /// Splits a rule spec into words; a double-quoted word (with `\"` escapes) is one word.
    static func tokenize(_ spec: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        var started = false
        for character in spec {
            if escaped {
                current.append(character)
                escaped = false
            } else if quoted && character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                started = true
            } else if character == " " && !quoted {
                if started { tokens.append(current) }
                current = ""
                started = false
            } else {
                current.append(character)
                started = true
            }
        }
        if started { tokens.append(current) }
        return tokens
    }
}
