import Crypto
import Foundation
import Synchronization

extension CodingUserInfoKey {
    /// Set to `true` on an encoder whose output people or other programs read (the admin API, the
    /// CLI): `Secret` values are then written as `SecretSpec.redactionPlaceholder(for:)`. The config
    /// store's own encoder leaves it unset and keeps the real bytes.
    public static let redactSecrets = CodingUserInfoKey(rawValue: "meshbox.redactSecrets")!
}

extension SecretSpec {
    static let placeholderPrefix = "<redacted: "

    /// The key placeholders are made with. A server sets its install's key at start
    /// (`useRedactionKey`, from `<data-dir>/redaction.key`) so that placeholders stay the same across
    /// restarts and a placeholder applied back finds its value; until then (the CLI, tests) it is a
    /// random key of this process.
    private static let redactionKey = Mutex(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })

    /// Makes placeholders with `key` (the install's redaction key) from now on.
    public static func useRedactionKey(_ key: [UInt8]) {
        redactionKey.withLock { $0 = key }
    }

    /// `<redacted: 1,234 bytes, hmac 0123456789abcdef>`: the value's size and the first 16 hex
    /// digits of its HMAC-SHA256 under the install's key, enough to tell values apart and to find
    /// the stored value a placeholder stands for. Keyed, because a plain hash of a short or guessable
    /// value (a password, a token) can be matched offline against guesses by anyone who can read it.
    public static func redactionPlaceholder(for bytes: some Collection<UInt8>) -> String {
        redactionPlaceholder(for: bytes, key: redactionKey.withLock { $0 })
    }

    package static func redactionPlaceholder(for bytes: some Collection<UInt8>, key: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(bytes), using: SymmetricKey(data: key))
        let digest = Array(mac).prefix(8).map { String(format: "%02x", $0) }
        return "\(placeholderPrefix)\(grouped(bytes.count)) bytes, hmac \(digest.joined())>"
    }

    /// Whether `value` is a placeholder as `redacted()` writes it.
    public static func isRedactionPlaceholder(_ value: String) -> Bool {
        value.hasPrefix(placeholderPrefix) && value.hasSuffix(">") && !value.contains("\n")
    }

    /// Whether `text` (a request body) may hold placeholders, so that restoring them is worth a lookup.
    public static func mayContainRedactionPlaceholders(_ text: String) -> Bool {
        text.contains(placeholderPrefix)
    }

    /// Every value replaced by its placeholder; placeholders stay as they are.
    public func redacted() -> SecretSpec {
        redacted(key: Self.redactionKey.withLock { $0 })
    }

    /// As `redacted()` with another install's key (a test comparing with what a server shows).
    package func redacted(key: [UInt8]) -> SecretSpec {
        var copy = self
        copy.data = data.mapValues { value in
            if Self.isRedactionPlaceholder(value) { return value }
            return Self.redactionPlaceholder(for: Self.decodeBase64(value).map(Array.init) ?? Array(value.utf8), key: key)
        }
        copy.stringData = stringData.mapValues { value in
            Self.isRedactionPlaceholder(value) ? value : Self.redactionPlaceholder(for: Array(value.utf8), key: key)
        }
        return copy
    }

    /// The value to put back for a placeholder found at `key` of `field` (`data` or `stringData`),
    /// when `stored` holds a value the placeholder stands for; nil otherwise.
    func restoredValue(for placeholder: String, key: String, field: String) -> String? {
        guard let bytes = bytes(key), Self.redactionPlaceholder(for: bytes) == placeholder else { return nil }
        if field == "data" {
            return data[key] ?? Data(bytes).base64EncodedString()
        }
        return stringData[key] ?? String(decoding: bytes, as: UTF8.self)
    }

    private static func grouped(_ count: Int) -> String {
        var digits = String(count)
        var index = digits.endIndex
        while digits.distance(from: digits.startIndex, to: index) > 3 {
            index = digits.index(index, offsetBy: -3)
            digits.insert(",", at: index)
        }
        return digits
    }
}

/// A Secret never prints its values: not in logs, test failures or `dump`.
extension SecretSpec: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let shown = redacted()
        return
            "SecretSpec(type: \(effectiveType.rawValue), data: \(shown.data.sorted { $0.key < $1.key }), stringData: \(shown.stringData.sorted { $0.key < $1.key }))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }
}
