import NIOSSL
import Synchronization

/// NIOSSL contexts by the settings that made them, shared by every event loop: building one
/// parses keys and certificates, so each distinct setting is built once, and `sweep()` after a
/// snapshot drops those no longer asked for (rotated certificates do not pile up).
final class TLSContextCache<Key: Hashable & Sendable>: Sendable {
    private struct Entry {
        var context: NIOSSLContext
        /// Asked for since the last `sweep()`.
        var used: Bool
    }

    private let entries = Mutex<[Key: Entry]>([:])

    func context(for key: Key, build: (Key) throws -> NIOSSLContext) throws -> NIOSSLContext {
        let cached = entries.withLock { entries -> NIOSSLContext? in
            entries[key]?.used = true
            return entries[key]?.context
        }
        if let cached { return cached }
        // Built outside the lock: two snapshots racing build twice and keep the first, which is harmless.
        let built = try build(key)
        return entries.withLock { entries in
            if let existing = entries[key] {
                entries[key]?.used = true
                return existing.context
            }
            entries[key] = Entry(context: built, used: true)
            return built
        }
    }

    /// Drops the contexts not asked for since the previous sweep. Connections already using a
    /// dropped context keep it alive until they close.
    func sweep() {
        entries.withLock { entries in
            entries = entries.filter(\.value.used).mapValues { Entry(context: $0.context, used: false) }
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
