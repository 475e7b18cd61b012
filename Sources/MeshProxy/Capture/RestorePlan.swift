/// The `iptables-restore --noflush` input that turns what is installed into what is wanted,
/// touching only what differs: one transaction, applied whole or not at all.
///
/// - A service chain that differs is declared (which flushes it) and written again; one that is
///   no longer wanted is flushed and deleted (`-X`) at the end, after the jumps to it are gone.
/// - `MESHBOX-SERVICES` is edited line by line (`-D` the jumps that went, `-A` the new ones) as
///   long as its first rule (the mark `RETURN`) is the wanted one; otherwise it is rewritten.
/// - Jumps from chains meshbox does not own are deleted by their exact saved text and inserted
///   (`-I`) at the front of the chain, so capture precedes the host's own nat rules.
public struct RestorePlan: Sendable, Hashable {
    /// The whole input, `*nat` to `COMMIT`.
    public var input: String
    /// Chains declared (created or rewritten), and deleted.
    public var rewrittenChains: [String]
    public var deletedChains: [String]
    /// Rules deleted (`-D`) and added (`-A`/`-I`), counting rewritten chains' rules as added.
    public var deletedRules: Int
    public var addedRules: Int

    /// nil when `installed` already is `desired`.
    public init?(from installed: NATChains, to desired: NATChains) {
        var declarations: [String] = []
        var deletions: [String] = []
        var additions: [String] = []
        var bodies: [String] = []
        var removals: [String] = []
        var rewritten: [String] = []
        var deleted: [String] = []

        for chain in Set(installed.jumps.keys).union(desired.jumps.keys).sorted() {
            let (gone, new) = Self.difference(installed.jumps[chain] ?? [], desired.jumps[chain] ?? [])
            deletions += gone.map { "-D \(chain) \($0)" }
            additions += new.map { "-I \(chain) \($0)" }
        }
        // Only the chains that differ are sorted (for a stable text): with 10,000 services a pass
        // compares every chain but sorts a handful.
        var changed: [String] = []
        for (chain, want) in desired.chains where installed.chains[chain] != want { changed.append(chain) }
        for chain in changed.sorted() {
            let want = desired.chains[chain]!
            let have = installed.chains[chain]
            if chain == CaptureRules.servicesChain, let have, let first = want.first, have.first == first {
                let (gone, new) = Self.difference(Array(have.dropFirst()), Array(want.dropFirst()))
                deletions += gone.map { "-D \(chain) \($0)" }
                additions += new.map { "-A \(chain) \($0)" }
                continue
            }
            declarations.append(":\(chain) - [0:0]")
            bodies += want.map { "-A \(chain) \($0)" }
            rewritten.append(chain)
        }
        for chain in installed.chains.keys.filter({ desired.chains[$0] == nil }).sorted() {
            declarations.append(":\(chain) - [0:0]")
            removals.append("-X \(chain)")
            deleted.append(chain)
        }
        guard !(declarations.isEmpty && deletions.isEmpty && additions.isEmpty) else { return nil }

        var lines = ["*nat"]
        lines += declarations
        lines += deletions
        lines += additions
        lines += bodies
        lines += removals
        lines.append("COMMIT")
        input = lines.joined(separator: "\n") + "\n"
        rewrittenChains = rewritten
        deletedChains = deleted
        deletedRules = deletions.count
        addedRules = additions.count + bodies.count
    }

    /// The same transaction, checking the canary inside it: it first deletes the canary's rule and
    /// appends it again at the end, so it fails whole (and changes nothing) when someone flushed the
    /// table since the last pass. A pass that writes anyway then needs no canary check of its own
    /// (`iptables -S`: a process and a read of the whole table). nil when the plan declares or
    /// deletes the canary chain itself.
    public func probingCanary() -> RestorePlan? {
        let canary = CaptureRules.canaryChain
        guard !rewrittenChains.contains(canary), !deletedChains.contains(canary) else { return nil }
        var lines = input.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == "*nat", let commit = lines.lastIndex(of: "COMMIT") else { return nil }
        lines.insert("-A \(canary) -j RETURN", at: commit)
        let firstRule = lines.indices.dropFirst().first { !lines[$0].hasPrefix(":") } ?? commit
        lines.insert("-D \(canary) -j RETURN", at: firstRule)
        var probing = self
        probing.input = lines.joined(separator: "\n")
        return probing
    }

    /// The input that removes everything meshbox has in the table: the plan to an empty state.
    public static func uninstall(_ installed: NATChains) -> RestorePlan? {
        RestorePlan(from: installed, to: NATChains())
    }

    /// Specs to delete (in `have`, beyond what `want` keeps, duplicates included) and to add.
    private static func difference(_ have: [String], _ want: [String]) -> (gone: [String], new: [String]) {
        var wanted: [String: Int] = [:]
        for spec in want { wanted[spec, default: 0] += 1 }
        var gone: [String] = []
        for spec in have {
            if let count = wanted[spec], count > 0 {
                wanted[spec] = count - 1
            } else {
                gone.append(spec)
            }
        }
        let new = want.filter { spec in
            guard let count = wanted[spec], count > 0 else { return false }
            wanted[spec] = count - 1
            return true
        }
        return (gone, new)
    }
}
