public import MeshModel
import NIOHTTP1

/// The consistent-hash key of a request, for ring-hash and Maglev clusters.
///
/// Hashes are xxHash64 with seed 0 over UTF-8 bytes (`StableHash`, the function Envoy uses), so
/// they are the same in every process and on every proxy: a client sticks to its endpoint across
/// restarts. Unlike Envoy, which folds every policy's hash together, the first policy that yields
/// a value decides, so a missing header falls back to the next policy instead of changing the key.
public enum RequestHash {
    /// The hash of the first policy that finds its input in the request; nil when none does (the
    /// balancer then picks at random).
    ///
    /// - header: the header's value (repeated headers joined with `,`).
    /// - cookie: the cookie's value from the `Cookie` headers. A missing cookie yields nothing here;
    ///   generating one (when the policy has a `ttl`) is the engine's part.
    /// - sourceIP: `facts.sourceAddress`.
    /// - queryParameter: the first value of the parameter, not percent-decoded.
    public static func compute(_ policies: [Snapshot.HashPolicy], facts: RequestFacts) -> UInt64? {
        for policy in policies {
            switch policy {
            case .header(let name):
                if let value = HeaderLookup.value(of: name, in: facts.head.headers) { return hash(value.utf8) }
            case .cookie(let name, _, _):
                if let value = HeaderLookup.cookie(named: name, in: facts.head.headers) { return hash(value.utf8) }
            case .sourceIP:
                if let address = facts.sourceAddress { return hash(address.utf8) }
            case .queryParameter(let name):
                if let value = QueryString.firstValue(of: name, in: facts.query) { return hash(value.utf8) }
            }
        }
        return nil
    }

    /// xxHash64 (seed 0) of `bytes`; without a copy when they are contiguous (a native string's UTF-8).
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        if let hashed = bytes.withContiguousStorageIfAvailable({ StableHash.hash(UnsafeRawBufferPointer($0)) }) {
            return hashed
        }
        return StableHash.hash(Array(bytes))
    }
}
