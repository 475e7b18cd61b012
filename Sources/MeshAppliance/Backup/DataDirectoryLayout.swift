/// Which files of a data directory a backup holds, and why (docs/operations.md, "Backup and
/// restore"). Everything else there is runtime or cache and is left out: `lock` and
/// `console.url` belong to a running process; `node/snapshot.json` is a remote node's copy of
/// what its control plane sends again on connect; `-wal`/`-shm` files are folded into the
/// database snapshots; `*.tmp` are leftovers of interrupted writes.
enum DataDirectoryLayout {
    /// The SQLite databases (WAL mode), copied with SQLite's online backup API while meshbox
    /// may be writing them; never as files. The CA's comes before its key files: a new root's
    /// key is written before its row, so every root the snapshot names has its key in the backup.
    static let databases = ["config.db", "registry.db", "ca/ca.db"]

    /// Plain files restored as they are, each for a reason:
    /// - `admin-token`: the admin API's bearer token; scripts and the CLI keep working.
    /// - `redaction.key`: Secret placeholders stay the same (they are the same install's).
    /// - `ca/root-N.key.pem`, `ca/root-N.cert.pem`: the CA's roots; workload and node
    ///   certificates issued before the backup still verify after a restore.
    /// - `node/identity.json`: a remote node's certificate and key; a restored node rejoins
    ///   without a new join token.
    static func isStateFile(_ path: String) -> Bool {
        if ["admin-token", "redaction.key", "node/identity.json"].contains(path) { return true }
        guard path.hasPrefix("ca/root-"), !path.dropFirst(3).contains("/") else { return false }
        let rest = path.dropFirst("ca/root-".count)
        for suffix in [".key.pem", ".cert.pem"] where rest.hasSuffix(suffix) {
            let generation = rest.dropLast(suffix.count)
            return !generation.isEmpty && generation.allSatisfy(\.isNumber)
        }
        return false
    }

    /// The directories `isStateFile` and `databases` name files in, the data directory first.
    static let directories = ["", "ca", "node"]
}
