import Crypto
import Foundation

extension CodingUserInfoKey {
    /// Set to `true` on an encoder whose output people or other programs read (the admin API, the
    /// CLI): `Secret` values are then written as `SecretSpec.redactionPlaceholder(for:)`. The config
    /// store's own encoder leaves it unset and keeps the real bytes.
    public static let redactSecrets = CodingUserInfoKey(rawValue: "meshbox.redactSecrets")!
}

extension SecretSpec {
    static let placeholderPrefix = "<redacted: "

    /// `<redacted: 1,234 bytes, sha256 0123456789abcdef>` (the first 16 hex digits of the value's
    /// SHA-256): enough to tell values apart and to compare with `sha256sum` of a file, nothing to
    /// recover the value from.
    public static func redactionPlaceholder(for bytes: some Collection<UInt8>) -> String {
        let digest = SHA256.hash(data: Array(bytes)).prefix(8).map { String(format: "%02x", $0) }
        return "\(placeholderPrefix)\(grouped(bytes.count)) bytes, sha256 \(digest.joined())>"
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
        var copy = self
        copy.data = data.mapValues { value in
            if Self.isRedactionPlaceholder(value) { return value }
            return Self.redactionPlaceholder(for: Self.decodeBase64(value).map(Array.init) ?? Array(value.utf8))
        }
        copy.stringData = stringData.mapValues { value in
            Self.isRedactionPlaceholder(value) ? value : Self.redactionPlaceholder(for: Array(value.utf8))
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
